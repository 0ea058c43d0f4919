import type { FastifyInstance } from 'fastify'
import type { Db } from '#core/db/database.ts'
import { invalid } from '#core/http/errors.ts'
import { presentSearchHit } from './search.present.ts'
import { SearchPage, SearchQuery } from './search.schemas.ts'
import { searchPublished } from './search.service.ts'

type SearchQueryValue = { q: string; limit: number; cursor?: string; type?: 'post' | 'page' }

// Ranked results have no stable key to continue after, so the cursor is the
// offset of the next page (base64url JSON, opaque to clients like the id cursors
// of core/http/pagination.ts). Rows published between two pages may shift it.
const encodeOffsetCursor = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url')

function decodeOffsetCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset: unknown }
    if (Number.isSafeInteger(offset) && (offset as number) > 0) return offset as number
  } catch {}
  throw invalid([{ field: 'cursor', in: 'querystring', message: 'is not a cursor from this search' }])
}

/** Full-text search of published content: public, the same for every caller. */
export function searchRoutes(app: FastifyInstance, deps: { db: Db }) {
  const { db } = deps
  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search published posts and pages, best match first',
        description:
          'Full-text search over the title, excerpt and body of published posts and pages (never drafts, scheduled or ' +
          'archived content), with English stemming: "publishing" also finds "published". `q` takes web-search syntax: ' +
          '`"exact phrase"`, `-word` to exclude, `or` between alternatives; other punctuation is ignored, and a `q` of only ' +
          'common words ("the", "and") or punctuation finds nothing. A match in the title ranks above one in the excerpt, ' +
          'which ranks above one in the body; ties go to the newest. `snippet_html` is escaped HTML whose only tags are ' +
          '`<mark>` around the matched words. Filter with `type=post` or `type=page`; page with `limit` and `cursor`.',
        querystring: SearchQuery,
        response: { 200: SearchPage },
      },
    },
    async (request) => {
      const query = request.query as SearchQueryValue
      const offset = decodeOffsetCursor(query.cursor)
      const { hits, hasMore } = await searchPublished(db, { q: query.q, limit: query.limit, offset, type: query.type })
      return { data: hits.map(presentSearchHit), next_cursor: hasMore ? encodeOffsetCursor(offset + hits.length) : null }
    },
  )
}
