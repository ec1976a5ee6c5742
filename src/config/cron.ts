import cron from 'node-cron'
import { z } from 'zod'

/** A five- or six-field cron expression as node-cron reads it (`*\/10 * * * *`). */
export const CronExpression = z.string().refine((expr) => cron.validate(expr), {
  error: (issue) => `expected a cron expression like "*/15 * * * *", got ${JSON.stringify(issue.input)}`,
})
