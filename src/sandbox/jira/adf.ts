/**
 * Atlassian Document Format checks for rich-text fields (`description`, `environment`, multi-line custom fields,
 * comment bodies): REST v3 takes only ADF there, and a plain string is refused. The check is structural (a `doc`
 * root with `version: 1`, known node types, text nodes with text, marks with types), which is what catches the
 * mistakes a client makes; it does not enforce every nesting rule of the ADF schema.
 */

const NODE_TYPES = new Set([
  'doc',
  'paragraph',
  'text',
  'heading',
  'bulletList',
  'orderedList',
  'listItem',
  'codeBlock',
  'blockquote',
  'rule',
  'hardBreak',
  'mention',
  'emoji',
  'panel',
  'table',
  'tableRow',
  'tableHeader',
  'tableCell',
  'mediaSingle',
  'mediaGroup',
  'media',
  'inlineCard',
  'blockCard',
  'date',
  'status',
  'expand',
  'nestedExpand',
  'taskList',
  'taskItem',
  'decisionList',
  'decisionItem',
])

function checkNode(node: unknown, path: string): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return `${path} is not a node object`
  const n = node as { type?: unknown; content?: unknown; text?: unknown; marks?: unknown }
  if (typeof n.type !== 'string' || !NODE_TYPES.has(n.type))
    return `${path} has an unknown type ${JSON.stringify(n.type)}`
  if (n.type === 'doc') return `${path} nests a doc`
  if (n.type === 'text' && (typeof n.text !== 'string' || n.text === ''))
    return `${path} is a text node without text`
  if (n.marks !== undefined) {
    if (!Array.isArray(n.marks)) return `${path}.marks is not an array`
    for (const [i, m] of n.marks.entries()) {
      if (!m || typeof (m as { type?: unknown }).type !== 'string') return `${path}.marks[${i}] has no type`
    }
  }
  if (n.content !== undefined) {
    if (!Array.isArray(n.content)) return `${path}.content is not an array`
    for (const [i, child] of n.content.entries()) {
      const problem = checkNode(child, `${path}.content[${i}]`)
      if (problem) return problem
    }
  }
  return undefined
}

/** Why a value is not an ADF document, or undefined when it is one. */
export function adfProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an ADF document object'
  const doc = value as { type?: unknown; version?: unknown; content?: unknown }
  if (doc.type !== 'doc') return 'the root type is not "doc"'
  if (doc.version !== 1) return 'the root version is not 1'
  if (!Array.isArray(doc.content)) return 'the root has no content array'
  for (const [i, child] of doc.content.entries()) {
    const problem = checkNode(child, `content[${i}]`)
    if (problem) return problem
  }
  return undefined
}

/** Jira's message for a rich-text field given something that is not ADF. */
export const NOT_ADF = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)'
