import { hash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { ChangeTag } from '#core/changes/changes.ts'
import { BROTLI_QUALITY_PER_RESPONSE, type CompressedForms, encodeFor, varyByEncoding } from './compression.ts'
import { ifNoneMatch } from './etag.ts'

/** How long shared caches and browsers may reuse an anonymous page, and serve it stale while they refetch it. */
export const PUBLIC_MAX_AGE_SECONDS = 60
export const STALE_WHILE_REVALIDATE_SECONDS = 600

export type PublicPage = {
  body: string
  /** default text/html */
  type?: string
  /** default 200 */
  status?: number
  /**
   * The records the page showed, in the change feed's vocabulary (`post:42`,
   * `list:posts`, `user:5`, `site`…; decision 0011): a write that records one
   * of them is what makes the page stale.
   */
  tags: readonly ChangeTag[]
  /**
   * The page holds something for this visitor alone (a form's single-use render
   * token): `private, no-store`, as for a signed-in visitor, and no ETag.
   */
  perVisitor?: boolean
}

/**
 * Sends a server-rendered public page (issue 4, part 8: caching-ready rendering).
 *
 * - Anonymous visitors: `Cache-Control: public` with a short max-age and
 *   stale-while-revalidate, a weak ETag of the bytes, and 304 for a matching
 *   If-None-Match, so browsers, CDNs and a later page cache can all reuse it.
 * - A request with a session or an API token: `private, no-store` — what a
 *   signed-in person sees must not land in a shared cache.
 *
 * An anonymous page's compressed forms are kept by its ETag (`compressedPages`).
 *
 * The render tags go out, each once, as `Surrogate-Key`: the header CDNs
 * such as Fastly and Varnish purge by, and what the page cache will store the
 * page under (decision 0011).
 */
export function sendPublicPage(request: FastifyRequest, reply: FastifyReply, page: PublicPage) {
  reply.code(page.status ?? 200)
  reply.header('content-type', page.type ?? 'text/html; charset=utf-8')
  reply.header('surrogate-key', [...new Set(page.tags)].join(' '))
  if (request.actor || page.perVisitor) {
    reply.header('cache-control', 'private, no-store')
    return reply.send(page.body)
  }
  const etag = `W/"${hash('sha1', page.body, 'base64url')}"`
  reply.header('etag', etag)
  reply.header('cache-control', `public, max-age=${PUBLIC_MAX_AGE_SECONDS}, stale-while-revalidate=${STALE_WHILE_REVALIDATE_SECONDS}`)
  if ((page.status ?? 200) === 200 && ifNoneMatch(request.headers['if-none-match'], etag)) {
    varyByEncoding(reply, page.body)
    return reply.code(304).send()
  }
  const kept = compressedPages.get(etag)
  const forms: CompressedForms = { ...kept }
  const body = encodeFor(request, reply, page.body, forms, { brotliQuality: BROTLI_QUALITY_PER_RESPONSE })
  // A new object when a form was made: the cache counts an entry's size when it is set to another value
  // (setting the same object again keeps its first size), so this counts what it holds now.
  if (forms.br !== kept?.br || forms.gzip !== kept?.gzip) compressedPages.set(etag, forms)
  return reply.send(body)
}

/**
 * The Brotli and gzip forms of the anonymous pages sent lately, by ETag (a hash of the
 * bytes). A page is the same bytes for every visitor until something on it changes, so
 * it is compressed once per change instead of once per request (on the demo home page,
 * ~0.15 ms of the ~0.75 ms a request costs; decision 0010). It is still queried and
 * rendered each time: this keeps no page, only what the same bytes compress to, so it
 * never needs clearing; the least recently sent go first. Only pages sent compressed have an entry.
 * Exported for its test (public-page.test.ts).
 */
export const compressedPages = new LRUCache<string, CompressedForms>({
  maxSize: 8 * 1024 * 1024,
  sizeCalculation: (forms) => 100 + (forms.br?.length ?? 0) + (forms.gzip?.length ?? 0),
})
