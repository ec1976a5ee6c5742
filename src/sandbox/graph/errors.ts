import { randomUUID } from 'node:crypto'
import { json, type Reply, ReplyError } from '../core/index.ts'

/** Graph's error body: `{error:{code,message,innerError:{date,request-id,client-request-id}}}`. */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  inner: Record<string, string> = {},
): Reply {
  const requestId = randomUUID()
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': requestId,
          ...inner,
        },
      },
    },
    { 'request-id': requestId, 'client-request-id': requestId, ...headers },
  )
}

export function graphFail(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): never {
  throw new ReplyError(graphError(status, code, message, headers))
}

export function badRequest(message: string): never {
  graphFail(400, 'BadRequest', message)
}

export function unsupportedQuery(message: string): never {
  graphFail(400, 'Request_UnsupportedQuery', message)
}

export function notFound(id: string): never {
  graphFail(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  )
}

/** The identity platform's (AADSTS) error body for the token endpoint. */
export function aadError(status: number, error: string, code: number, description: string): Reply {
  const traceId = randomUUID()
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: traceId,
    correlation_id: randomUUID(),
  })
}
