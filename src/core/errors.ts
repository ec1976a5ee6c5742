/**
 * A mistake the user can fix (bad config, bad arguments, a refused store). The CLI prints its message
 * without a stack trace and exits 2.
 */
export class UserError extends Error {
  override name = 'UserError'
  readonly exitCode: number
  constructor(message: string, exitCode = 2) {
    super(message)
    this.exitCode = exitCode
  }
}

/** Configuration or policy that does not validate. `issues` are `path: expectation` lines. */
export class ConfigError extends UserError {
  override name = 'ConfigError'
  readonly file: string
  readonly issues: string[]
  constructor(file: string, issues: string[]) {
    super(`${file} is not valid:\n${issues.map((i) => `  ${i}`).join('\n')}`)
    this.file = file
    this.issues = issues
  }
}
