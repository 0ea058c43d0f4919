import { Type } from 'typebox'
import { named, Page, QueryString } from '#core/http/schemas.ts'
import { SEARCH_QUERY_MAX_LENGTH } from './search.service.ts'

const SearchKind = Type.Union([Type.Literal('post'), Type.Literal('page'), Type.Literal('product')])

/**
 * `q` is checked here and again, after trimming, by the service (which the
 * public site calls directly): 1 to 200 characters with at least one that is
 * not white space.
 */
export const SearchQuery = QueryString({
  q: Type.String({
    minLength: 1,
    maxLength: SEARCH_QUERY_MAX_LENGTH,
    pattern: '\\S',
    description: 'Words to find. "exact phrase", -word (exclude) and or work as on web search engines; other punctuation is ignored.',
  }),
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  type: Type.Optional(SearchKind),
})

export const SearchHit = named(
  'SearchHit',
  Type.Object({
    type: SearchKind,
    id: Type.Integer(),
    title: Type.String(),
    slug: Type.String(),
    path: Type.String({ description: 'the public URL path: /blog/{slug} for a post, /{slug} for a page, /products/{slug} for a product' }),
    excerpt: Type.String(),
    snippet_html: Type.String({ description: 'a passage of the body, HTML-escaped; its only tags are <mark> around the matches' }),
    published_at: Type.String({ format: 'date-time', description: 'when it was published (a product: when it was added)' }),
    rank: Type.Number({ description: 'relevance between 0 and 1; higher is better' }),
  }),
)

export const SearchPage = Page(SearchHit)
