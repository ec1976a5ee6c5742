import { z } from 'zod'

export const RULE_IDS = [
  'ACC-001',
  'ACC-002',
  'ACC-003',
  'ACC-004',
  'ACC-005',
  'ACC-006',
  'ACC-007',
  'ACC-008',
  'ACC-009',
  'ACC-010',
  'ACC-011',
  'ACC-012',
  'NHI-001',
  'NHI-002',
  'NHI-003',
] as const

export const RuleId = z.enum(RULE_IDS)
export type RuleId = z.infer<typeof RuleId>
