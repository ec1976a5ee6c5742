import type { FindingSection } from '../ticket-mapping/finding-text.ts'

/**
 * Atlassian Document Format: `description` and comments are ADF documents in REST v3, not strings. Text nodes
 * must not be empty, so empty lines are left out.
 */
export interface AdfNode {
  type: string
  attrs?: Record<string, unknown>
  content?: AdfNode[]
  text?: string
}

export interface AdfDoc {
  version: 1
  type: 'doc'
  content: AdfNode[]
}

const text = (t: string): AdfNode => ({ type: 'text', text: t })
export const paragraph = (t: string): AdfNode => ({ type: 'paragraph', content: t ? [text(t)] : [] })

export function adfFromSections(sections: readonly FindingSection[], intro?: string): AdfDoc {
  const content: AdfNode[] = []
  if (intro) content.push(paragraph(intro))
  for (const s of sections) {
    content.push({ type: 'heading', attrs: { level: 3 }, content: [text(s.heading)] })
    const lines = s.lines.filter((l) => l.trim() !== '')
    if (lines.length)
      content.push({
        type: 'bulletList',
        content: lines.map((l) => ({ type: 'listItem', content: [paragraph(l)] })),
      })
  }
  return { version: 1, type: 'doc', content }
}

export function adfText(t: string): AdfDoc {
  return { version: 1, type: 'doc', content: t.split('\n').filter(Boolean).map(paragraph) }
}
