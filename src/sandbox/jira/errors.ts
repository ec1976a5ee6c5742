import { json, type Reply } from '../core/index.ts'

/** Jira's error body: `{"errorMessages":[...],"errors":{field: message}}` (vendor-apis.md 2.7). */
export function jiraError(status: number, messages: string[], errors: Record<string, string> = {}): Reply {
  return json(status, { errorMessages: messages, errors })
}

export function issueNotFound(): Reply {
  return jiraError(404, ['Issue does not exist or you do not have permission to see it.'])
}

/** Jira Service Management's error body, which differs from the platform's. */
export function jsmError(status: number, message: string, i18nKey: string): Reply {
  return json(status, { errorMessage: message, i18nErrorMessage: { i18nKey, parameters: [] } })
}
