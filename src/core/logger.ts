import { pino } from 'pino'
import { redact, redactDeep } from './redact.ts'

export type Logger = pino.Logger

export interface LoggerOptions {
  level?: string
  /** Human-readable lines (a TTY); JSON lines otherwise. */
  pretty?: boolean
  destination?: pino.DestinationStream
}

/**
 * JSON lines by default (what a daemon's log shipper wants), readable on a TTY. Every line passes through
 * the secret redactor: messages, bound fields and error objects alike.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? process.env.ACCORD_LOG_LEVEL ?? 'info',
    base: { name: 'accord' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: (obj) => redactDeep(obj) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>
        method.apply(this, cleaned)
      },
    },
    serializers: { err: (e: unknown) => redactDeep(pino.stdSerializers.err(e as Error)) },
  }
  if (opts.destination) return pino(options, opts.destination)
  if (opts.pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' },
      },
    })
  }
  return pino(options, pino.destination(2))
}

/** A logger that drops everything: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
