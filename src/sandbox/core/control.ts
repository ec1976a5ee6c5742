/**
 * The control handle: named operations that change a simulator's tenant between syncs (add a member, disable a
 * user, rotate a secret...). In process they are plain method calls; standalone they are reached as
 * `POST /_control/<operation>` with a JSON body of arguments on the simulator's own loopback origin, answering
 * `{"result": ...}` or `400 {"error": "..."}`. `GET /_control/counts` gives the request counters.
 */
// biome-ignore lint/suspicious/noExplicitAny: operations take their own argument shapes, checked inside each.
export type ControlOperation = (args: any) => unknown

export type ControlOperations = Record<string, ControlOperation>

/** Calls a control operation from the loopback endpoint; unknown names list what exists. */
export async function invokeControl(ops: ControlOperations, name: string, args: unknown): Promise<unknown> {
  const op = Object.hasOwn(ops, name) ? ops[name] : undefined
  if (!op) {
    throw new Error(
      `unknown control operation ${JSON.stringify(name)}; known: ${Object.keys(ops).sort().join(', ')}`,
    )
  }
  return await op(args ?? {})
}

/** Posts to a standalone simulator's control endpoint (used by tests and scripts against `accord sandbox`). */
export async function callControl(baseUrl: string, name: string, args: unknown = {}): Promise<unknown> {
  const res = await fetch(new URL(`/_control/${encodeURIComponent(name)}`, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  })
  const body = (await res.json()) as { result?: unknown; error?: string }
  if (!res.ok) throw new Error(`control ${name} failed (${res.status}): ${body.error ?? 'no error message'}`)
  return body.result
}
