/**
 * Size parameters. `people` is the background population; `unit` multiplies every planted case, so each size
 * keeps the same proportion of planted drift. Pools of groups and apps grow with the population so that
 * group sizes stay realistic.
 */
export type ScenarioSize = 'small' | 'medium' | 'large'

export interface SizeParams {
  people: number
  unit: number
  /** Resource groups per department (Entra) and per department (Okta). */
  entraGroupsPerDept: number
  oktaGroupsPerDept: number
  /** Generated apps beyond the fixed ones. */
  entraApps: number
  oktaApps: number
  /** Direct ticketed grants a background person gets in each source (min, max). */
  entraGrants: [number, number]
  oktaGrants: [number, number]
  /** Integration apps, managed identities, Okta service apps, Okta API tokens. */
  nhi: { integrations: number; managed: number; oktaService: number; tokens: number }
}

export const SIZES: Record<ScenarioSize, SizeParams> = {
  small: {
    people: 80,
    unit: 1,
    entraGroupsPerDept: 4,
    oktaGroupsPerDept: 2,
    entraApps: 3,
    oktaApps: 3,
    entraGrants: [10, 19],
    oktaGrants: [7, 14],
    nhi: { integrations: 3, managed: 3, oktaService: 2, tokens: 2 },
  },
  medium: {
    people: 3_900,
    unit: 39,
    entraGroupsPerDept: 30,
    oktaGroupsPerDept: 20,
    entraApps: 20,
    oktaApps: 16,
    entraGrants: [10, 19],
    oktaGrants: [7, 14],
    nhi: { integrations: 40, managed: 40, oktaService: 15, tokens: 20 },
  },
  large: {
    people: 39_000,
    unit: 390,
    entraGroupsPerDept: 250,
    oktaGroupsPerDept: 160,
    entraApps: 120,
    oktaApps: 80,
    entraGrants: [10, 19],
    oktaGrants: [7, 14],
    nhi: { integrations: 400, managed: 400, oktaService: 150, tokens: 200 },
  },
}
