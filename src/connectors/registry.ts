import { entraConnector } from './entra/index.ts'
import { jiraConnector } from './jira/index.ts'
import { oktaConnector } from './okta/index.ts'
import { servicenowConnector } from './servicenow/index.ts'
import type { Connector } from './types.ts'

/**
 * Every connector kind, by name. A fifth vendor is one folder under src/connectors/ plus one line here;
 * a test fails when a folder is not registered.
 */
export const connectors = {
  servicenow: servicenowConnector,
  jira: jiraConnector,
  entra: entraConnector,
  okta: oktaConnector,
} as const

export type ConnectorKind = keyof typeof connectors

/** The connector of a kind, untyped: for code that works over every kind alike. */
export function connectorFor(kind: string): Connector | undefined {
  return (connectors as unknown as Record<string, Connector>)[kind]
}
