import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Sandbox } from './sandbox.ts'
import { type generateScenario, SECRET_FILES } from './scenario/index.ts'

/** Writes the config, the secret files it references (0600), the CA, the policy and the manifest. */
export function writeSandboxFiles(
  out: string,
  sandbox: Sandbox,
  scenario: ReturnType<typeof generateScenario>,
): string[] {
  mkdirSync(out, { recursive: true })
  const files: [string, string, number?][] = []
  const { yaml } = scenario.config({
    urls: sandbox.urls,
    secretsDir: '.',
    storePath: './store',
    caFile: './ca.pem',
    policyFile: 'policy.yaml',
  })
  files.push(['accord.yaml', yaml])
  files.push(['policy.yaml', scenario.policyYaml])
  files.push(['ca.pem', sandbox.caCert])
  files.push(['manifest.json', `${JSON.stringify(scenario.manifest, null, 2)}\n`])
  files.push([SECRET_FILES.servicenowPassword, sandbox.credentials.servicenow.users[0]!.password, 0o600])
  files.push([SECRET_FILES.jiraToken, sandbox.credentials.jira.tokens[0]!.token, 0o600])
  files.push([SECRET_FILES.entraClientSecret, sandbox.credentials.graph.clientSecret, 0o600])
  files.push([SECRET_FILES.oktaToken, sandbox.credentials.okta.sswsTokens[0]!, 0o600])
  if (sandbox.credentials.okta.serviceAppPrivateKey) {
    files.push(['okta-service-app.pem', sandbox.credentials.okta.serviceAppPrivateKey, 0o600])
  }
  files.push([
    'sandbox.json',
    `${JSON.stringify(
      {
        scenario: scenario.size,
        seed: scenario.seed,
        now: scenario.now,
        urls: sandbox.urls,
        graphControl: sandbox.simulators.graph.url,
        entra: { tenantId: scenario.tenant.graph.tenantId, clientId: sandbox.credentials.graph.clientId },
        okta: { serviceAppClientId: sandbox.credentials.okta.serviceApps[0]?.clientId ?? null },
        counts: scenario.counts,
      },
      null,
      2,
    )}\n`,
  ])
  for (const [name, content, mode] of files) {
    writeFileSync(resolve(out, name), content, mode === undefined ? undefined : { mode })
    // The mode only applies when the file is created: tighten an existing secret file too.
    if (mode !== undefined) chmodSync(resolve(out, name), mode)
  }
  return files.map(([name]) => name)
}
