import { UserError } from '../core/errors.ts'
import { redact } from '../core/redact.ts'
import { EXIT } from './exit-codes.ts'

/**
 * Runs a command body and turns its outcome into an exit code. User mistakes print their message only;
 * anything else prints its message and, with ACCORD_DEBUG=1, the stack.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: command bodies that print and succeed return nothing.
export function action<A extends unknown[]>(body: (...args: A) => Promise<number | undefined | void>) {
  return async (...args: A): Promise<void> => {
    let code: number
    try {
      code = (await body(...args)) ?? EXIT.ok
    } catch (e) {
      if (e instanceof UserError) {
        process.stderr.write(`accord: ${redact(e.message)}\n`)
        code = e.exitCode
      } else {
        const err = e instanceof Error ? e : new Error(String(e))
        process.stderr.write(`accord: ${redact(err.message)}\n`)
        if (process.env.ACCORD_DEBUG) process.stderr.write(`${redact(err.stack ?? '')}\n`)
        else process.stderr.write('(set ACCORD_DEBUG=1 to see where)\n')
        code = EXIT.failed
      }
    }
    process.exitCode = code
  }
}
