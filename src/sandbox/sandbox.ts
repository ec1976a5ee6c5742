import { randomUUID } from 'node:crypto'
import {
  type ControlOperations,
  type FaultSpec,
  generateTlsMaterial,
  parseFaultSpec,
  type RateLimitRule,
  type RequestCounter,
} from './core/index.ts'
import { type GraphAppCredentials, type GraphSimulator, startGraphSimulator } from './graph/index.ts'
import { type JiraSimulator, SANDBOX_JIRA_CREDENTIALS, startJiraSimulator } from './jira/index.ts'
import { type OktaCredentials, type OktaSimulator, startOktaSimulator } from './okta/index.ts'
import {
  SANDBOX_SERVICENOW_CREDENTIALS,
  type ServiceNowSimulator,
  startServiceNowSimulator,
} from './servicenow/index.ts'
import type { SandboxTenant } from './state.ts'

export type Vendor = 'graph' | 'okta' | 'servicenow' | 'jira'
export const VENDORS: readonly Vendor[] = ['graph', 'okta', 'servicenow', 'jira']

export interface SandboxOptions {
  /** Fault rates for every simulator (a `--faults` SPEC or parsed). */
  faults?: FaultSpec | string
  /** Seed for the fault RNGs (each simulator derives its own from it). */
  faultSeed?: number
  /** Graph on portBase, Okta +1, ServiceNow +2, Jira +3; OS-chosen ports when absent. */
  portBase?: number
  /** Rate-limit rule overrides per simulator, by rule name (see each simulator's defaults). */
  rateLimits?: Partial<Record<Vendor, Record<string, RateLimitRule>>>
  /** Address to bind (default 127.0.0.1). */
  host?: string
}

export interface SandboxUrls {
  /** Graph base URL including `/v1.0` (accord's `graphBaseUrl`). */
  graph: string
  /** The Entra authority host (accord's `authorityHost`; the authority is `${login}/${tenantId}`). */
  login: string
  okta: string
  servicenow: string
  jira: string
}

export interface Sandbox {
  tenant: SandboxTenant
  urls: SandboxUrls
  /** The CA that signed the HTTPS simulators' certificate (PEM): what accord's `tls.caFile` holds. */
  caCert: string
  credentials: {
    graph: GraphAppCredentials
    okta: OktaCredentials & { serviceAppPrivateKey: string | null }
    servicenow: typeof SANDBOX_SERVICENOW_CREDENTIALS
    jira: typeof SANDBOX_JIRA_CREDENTIALS
  }
  /** In-process control handles; standalone, the same operations answer at `POST <url>/_control/<op>`. */
  control: Record<Vendor, ControlOperations>
  counters: Record<Vendor, RequestCounter>
  simulators: {
    graph: GraphSimulator
    okta: OktaSimulator
    servicenow: ServiceNowSimulator
    jira: JiraSimulator
  }
  close(): Promise<void>
}

/**
 * Starts the four vendor simulators for one sandbox tenant on loopback. Entra signs in as the tenant's
 * `accord-connector` app registration when the scenario has one (so the generated config's client id matches).
 */
export async function startSandbox(tenant: SandboxTenant, options: SandboxOptions = {}): Promise<Sandbox> {
  const faults = typeof options.faults === 'string' ? parseFaultSpec(options.faults) : options.faults
  const seed = options.faultSeed ?? tenant.seed ?? 1
  const port = (i: number) => (options.portBase ? options.portBase + i : 0)
  const common = (i: number, vendor: Vendor) => ({
    port: port(i),
    ...(options.host ? { host: options.host } : {}),
    ...(faults ? { faults } : {}),
    faultSeed: seed * 4 + i,
    ...(options.rateLimits?.[vendor] ? { rateLimits: options.rateLimits[vendor] } : {}),
  })
  const tls = await generateTlsMaterial()
  const accordApp = tenant.graph.applications.find((a) => a.displayName === 'accord-connector')
  const started: { close(): Promise<void> }[] = []
  try {
    const graph = await startGraphSimulator(tenant.graph, {
      ...common(0, 'graph'),
      tls,
      scenarioNow: tenant.now,
      credentials: { clientId: accordApp?.appId ?? randomUUID() },
    })
    started.push(graph)
    const okta = await startOktaSimulator(tenant.okta, { ...common(1, 'okta'), scenarioNow: tenant.now })
    started.push(okta)
    const servicenow = await startServiceNowSimulator(tenant.servicenow, common(2, 'servicenow'))
    started.push(servicenow)
    const jira = await startJiraSimulator(tenant.jira, common(3, 'jira'))
    started.push(jira)
    return {
      tenant,
      urls: {
        graph: graph.graphBaseUrl,
        login: new URL(graph.authority).origin,
        okta: okta.url,
        servicenow: servicenow.url,
        jira: jira.url,
      },
      caCert: tls.caCert,
      credentials: {
        graph: graph.credentials,
        okta: { ...okta.credentials, serviceAppPrivateKey: okta.serviceAppPrivateKey },
        servicenow: SANDBOX_SERVICENOW_CREDENTIALS,
        jira: SANDBOX_JIRA_CREDENTIALS,
      },
      control: {
        graph: graph.control,
        okta: okta.control,
        servicenow: servicenow.control,
        jira: jira.control,
      },
      counters: {
        graph: graph.simulator.counter,
        okta: okta.simulator.counter,
        servicenow: servicenow.counter,
        jira: jira.counter,
      },
      simulators: { graph, okta, servicenow, jira },
      close: async () => {
        await Promise.all(started.map((s) => s.close()))
      },
    }
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()))
    throw err
  }
}
