import { z } from 'zod'

/** ISO-8601 timestamps travel as Date inside accord; connectors convert vendor formats at the edge. */
export const Timestamp = z.date()

/** The connector id a record came from (`connectors[].id` in the config). Two Okta orgs stay apart. */
export const Source = z.string().min(1)
export type Source = z.infer<typeof Source>
