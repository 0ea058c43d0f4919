import {
  BULLET_LISTS,
  CATEGORY_PARAGRAPHS,
  type CategoryKey,
  CODE_BLOCKS,
  type DemoPost,
  FOOTNOTES,
  FURTHER_READING,
  GENERAL_PARAGRAPHS,
  HEADINGS,
  ORDERED_LISTS,
  QUOTES,
  TABLES,
} from './demo.corpus.ts'
import { randomSequence } from './demo.images.ts'

/** Bodies stay within this many words (whitespace-separated, Markdown syntax included). */
export const BODY_WORDS = { min: 300, max: 1200 } as const

export const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length

type Block = 'bullets' | 'ordered' | 'table' | 'code' | 'quote'
const BLOCKS: Block[] = ['bullets', 'table', 'code', 'quote', 'ordered']

/** Which lists, tables and code (indexes into the corpus) suit each category: SQL and shell for engineering, CSS for design… */
const FITTING: Record<CategoryKey, Record<Exclude<Block, 'quote'>, number[]>> = {
  engineering: { bullets: [0, 1, 4, 7], ordered: [0, 2], table: [0, 3], code: [0, 1, 2, 4, 5] },
  design: { bullets: [2, 0], ordered: [3], table: [1, 2, 5], code: [3] },
  writing: { bullets: [3, 5], ordered: [1], table: [2, 4], code: [6] },
  notes: { bullets: [6, 4, 0], ordered: [4], table: [4, 0], code: [2, 4, 5] },
}

export type BodyInput = {
  /** The post's place in the seed order: it picks the blocks and seeds the shuffles. */
  index: number
  post: DemoPost
  /** A chart to embed, already uploaded. */
  figure?: { url: string; alt: string; caption: string }
  /** Earlier posts of the same category, to link to at the end. */
  related: { title: string; slug: string }[]
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy
}

/** a0, b0, a1, b1, … and then the rest of the longer one. */
function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i] as T)
    if (i < b.length) out.push(b[i] as T)
  }
  return out
}

const pick = <T>(items: readonly T[], n: number) => items[n % items.length] as T

function block(kind: Block, category: CategoryKey, n: number): string {
  if (kind === 'quote') return `> ${pick(QUOTES, n)}`
  const index = pick(FITTING[category][kind], n)
  switch (kind) {
    case 'bullets':
      return (BULLET_LISTS[index] as string[]).map((item) => `- ${item}`).join('\n')
    case 'ordered':
      return (ORDERED_LISTS[index] as string[]).map((item, i) => `${i + 1}. ${item}`).join('\n')
    case 'table':
      return TABLES[index] as string
    case 'code':
      return CODE_BLOCKS[index] as string
  }
}

/**
 * A post body in Markdown: the dek and an opening paragraph, then sections
 * (a heading, a paragraph or two, and a list, table, code block or quote in
 * turn), sometimes a chart, a footnote and further reading, and links to
 * related posts. Deterministic for a given input; between BODY_WORDS.min and
 * BODY_WORDS.max words, aiming at a length drawn from that range.
 */
export function composeBody(input: BodyInput): string {
  const { index, post } = input
  const random = randomSequence(1000 + index)
  // The opening and each section's first paragraph are on the category's subject while they last.
  const [own, ...onTopic] = shuffled(CATEGORY_PARAGRAPHS[post.category], random)
  const paragraphs = interleave(onTopic, shuffled(GENERAL_PARAGRAPHS, random))
  const headings = shuffled(HEADINGS[post.category], random)
  const target = BODY_WORDS.min + Math.floor(random() * (BODY_WORDS.max - BODY_WORDS.min))
  const footnote = index % 3 === 0 ? pick(FOOTNOTES, index) : undefined

  const intro = `${post.dek} ${own as string}`
  const parts: string[] = [footnote ? `${intro}[^1]` : intro]
  const tail: string[] = []
  if (post.category === 'engineering' || post.category === 'design') {
    if (index % 2 === 0) {
      tail.push(
        '## Further reading',
        [pick(FURTHER_READING, index), pick(FURTHER_READING, index + 2)].map((link) => `- ${link}`).join('\n'),
      )
    }
  }
  const related = input.related.slice(-2)
  if (related.length > 0) tail.push(`*Related:* ${related.map((r) => `[${r.title}](/blog/${r.slug})`).join(' · ')}`)
  if (footnote) tail.push(`[^1]: ${footnote}`)

  const words = () => countWords(parts.join('\n\n')) + countWords(tail.join('\n\n'))
  let section = 0
  while (paragraphs.length > 0 && section < headings.length && words() < target) {
    const lines = [`## ${headings[section] as string}`, paragraphs.shift() as string]
    if (random() < 0.5 && paragraphs.length > 0) lines.push(paragraphs.shift() as string)
    // Most sections get a list, table, code block or quote, in turn; never the same one twice in a post.
    const extra = block(pick(BLOCKS, index + section), post.category, index + section)
    if ((section === 0 || random() < 0.6) && !parts.includes(extra)) lines.push(extra)
    if (section === 0 && input.figure) {
      lines.push(`![${input.figure.alt}](${input.figure.url})`, `*${input.figure.caption}*`)
    }
    if (words() + countWords(lines.join('\n\n')) > BODY_WORDS.max) break
    parts.push(...lines)
    section++
  }
  while (words() < BODY_WORDS.min && paragraphs.length > 0) parts.push(paragraphs.shift() as string)
  return `${[...parts, ...tail].join('\n\n')}\n`
}
