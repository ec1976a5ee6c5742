import type { Logger } from '../../core/logger.ts'
import { basicAuth } from '../http/auth.ts'
import { createHttpClient, type HttpClient } from '../http/client.ts'
import { jiraRateSignals } from '../http/rate-signals.ts'
import type { JiraConfig } from './config.ts'

/** The Jira Cloud client of one run: basic auth with email and API token. */
export function createJiraHttp(config: JiraConfig, logger: Logger): HttpClient {
  return createHttpClient({
    name: config.id,
    baseUrl: config.baseUrl,
    auth: basicAuth(config.auth.email, config.auth.token),
    rateSignals: jiraRateSignals,
    rateLimit: config.rateLimit,
    timeoutMs: config.timeoutMs,
    tls: config.tls,
    logger,
  })
}
