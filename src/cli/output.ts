import Table from 'cli-table3'

export interface OutputOptions {
  json: boolean
}

/** Human output on a TTY (and when not asked for JSON); scripts pass --json. */
export function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function printTable(head: string[], rows: (string | number | null | undefined)[][]): void {
  const table = new Table({
    head,
    style: { head: isInteractive() ? ['cyan'] : [], border: isInteractive() ? ['grey'] : [] },
    chars: isInteractive() ? undefined : { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const r of rows) table.push(r.map((c) => (c === null || c === undefined ? '' : String(c))))
  process.stdout.write(`${table.toString()}\n`)
}

export function println(text = ''): void {
  process.stdout.write(`${text}\n`)
}

export function warn(text: string): void {
  process.stderr.write(`warning: ${text}\n`)
}
