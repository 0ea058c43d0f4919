import type { Db } from '#core/db/database.ts'
import { decodeOffsetCursor, encodeOffsetCursor } from '#core/http/pagination.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import { presentSearchHit } from './search.present.ts'
import { SearchPage, SearchQuery } from './search.schemas.ts'
import { searchPublished } from './search.service.ts'

// Ranked results have no stable key to continue after, so the cursor carries the
// offset of the next page (core/http/pagination.ts, decision 0013). Rows published
// between two pages may shift it by a row.
const SEARCH_CURSOR = 'relevance'

/** Full-text search of published content: public, the same for every caller. */
export function searchRoutes(app: AppInstance, deps: { db: Db }) {
  const { db } = deps
  app.get(
    '/api/v1/search',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'searchContent',
        tags: ['search'],
        summary: 'Search published posts and pages and active products, best match first',
        description:
          'Full-text search over the title, excerpt and body of published posts and pages (never drafts, scheduled or ' +
          'archived content), with English stemming: "publishing" also finds "published". `q` takes web-search syntax: ' +
          '`"exact phrase"`, `-word` to exclude, `or` between alternatives; other punctuation is ignored, and a `q` of only ' +
          'common words ("the", "and") or punctuation finds nothing. A match in the title ranks above one in the excerpt, ' +
          'which ranks above one in the body; ties go to the newest. `snippet_html` is escaped HTML whose only tags are ' +
          '`<mark>` around the matched words. Active products are found by name, SKU and description (`type: product`, ' +
          '`path` their page). Filter with `type=post`, `type=page` or `type=product`; page with `limit` and `cursor`.',
        querystring: SearchQuery,
        response: { 200: SearchPage },
      },
    },
    async (request) => {
      const { query } = request
      const offset = decodeOffsetCursor(SEARCH_CURSOR, query.cursor)
      const { hits, hasMore } = await searchPublished(db, { q: query.q, limit: query.limit, offset, type: query.type })
      return { data: hits.map(presentSearchHit), next_cursor: hasMore ? encodeOffsetCursor(SEARCH_CURSOR, offset + hits.length) : null }
    },
  )
}
