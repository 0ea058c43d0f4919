import type { Db } from '#core/db/database.ts'
import { escapeHtml } from '#core/escape-html.ts'
import { invalid } from '#core/http/errors.ts'
import { publicPath } from '../content/content.service.ts'
import { productPath } from '../products/pages.views.ts'
import { listSearchHits, type SearchRow, type SearchType } from './search.queries.ts'

/** The longest `q`, after trimming (the public search form can use it as its maxlength). */
export const SEARCH_QUERY_MAX_LENGTH = 200

export type SearchHit = {
  type: SearchType
  id: number
  title: string
  slug: string
  path: string
  excerpt: string
  snippet_html: string
  published_at: Date
  rank: number
}

// ts_headline wraps matches in these; searchText (content/markdown.ts) turns
// control characters in the text into spaces, so only ts_headline writes them.
const MARK_START = '\u0002'
const MARK_STOP = '\u0003'
const MARKERS = new RegExp(`[${MARK_START}${MARK_STOP}]`, 'g')
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being replaced
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g

// The entities sanitize-html writes in text (content/markdown.ts), decoded in
// one pass: `&amp;lt;` becomes the text `&lt;`, not `<`.
const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' }
const ENTITY = /&(?:lt|gt|quot|#39|amp);/g

/**
 * A headline (text from stored HTML, entities encoded, matches between markers)
 * → safe HTML. The text is decoded and then escaped as a whole, so nothing in
 * it can be markup, whatever the stored HTML held; then the markers, which
 * escaping leaves alone, become the only tags: `<mark>` and `</mark>`.
 */
const highlightSnippet = (headline: string) =>
  escapeHtml(headline.replace(ENTITY, (entity) => ENTITIES[entity] as string)).replace(MARKERS, (marker) =>
    marker === MARK_START ? '<mark>' : '</mark>',
  )

const toHit = (row: SearchRow): SearchHit => ({
  type: row.type,
  id: row.id,
  title: row.title,
  slug: row.slug,
  path: row.type === 'product' ? productPath(row.slug) : publicPath(row.type, row.slug),
  excerpt: row.excerpt,
  snippet_html: highlightSnippet(row.headline),
  published_at: row.published_at,
  rank: row.rank,
})

/**
 * Full-text search of published posts and pages and active products, the
 * same for every caller (drafts, scheduled and archived content, and products
 * that are not active, never match); a product's `published_at` is when it was added. `q` takes websearch
 * syntax ("exact phrase", -word, or); any other punctuation is ignored, and a
 * `q` with no searchable words (only stop words or punctuation) finds nothing.
 * Best match first (title over excerpt over body), then newest. `snippet_html`
 * is escaped HTML whose only tags are `<mark>` around matches.
 *
 * Throws `invalid` (400, field `q`) when `q` is blank or longer than 200
 * characters after trimming.
 */
export async function searchPublished(
  db: Db,
  options: { q: string; limit: number; offset: number; type?: SearchType },
): Promise<{ hits: SearchHit[]; hasMore: boolean }> {
  const q = options.q.trim()
  if (q.length === 0 || q.length > SEARCH_QUERY_MAX_LENGTH) {
    throw invalid([{ field: 'q', in: 'querystring', message: `must be 1 to ${SEARCH_QUERY_MAX_LENGTH} characters, not blank` }])
  }
  const rows = await listSearchHits(db, {
    // PostgreSQL text cannot hold NUL (an error, not a 400); no control character is a word anyway.
    q: q.replace(CONTROL_CHARACTERS, ' '),
    limit: options.limit,
    offset: options.offset,
    type: options.type,
    markers: { start: MARK_START, stop: MARK_STOP },
  })
  return { hits: rows.slice(0, options.limit).map(toHit), hasMore: rows.length > options.limit }
}
