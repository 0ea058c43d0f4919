import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { ChangeFeed } from '#core/changes/changes.ts'
import { type CompressedForms, encodeFor, varyByEncoding } from './compression.ts'
import { ifNoneMatch } from './etag.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Anonymous GETs of this route are answered from memory until the next
     * change (core/http/response-cache.ts, decision 0024). Only for routes whose
     * answer depends on nothing but the URL and what the change feed records.
     */
    responseCache?: boolean
  }
  interface FastifyRequest {
    /** The cache's generation when this request missed it: its answer is kept only if no change came since. */
    responseCacheGeneration: number | undefined
  }
}

/** The headers a kept answer is sent again with; the per-request ones (request id, CORS, rate limit, security) are added anew. */
const KEPT_HEADERS = ['content-type', 'cache-control', 'etag', 'last-modified', 'vary', 'link'] as const
/** A safety net, not the invalidation: changes clear the cache at once; an answer is never older than this. */
const MAX_AGE_MS = 60_000
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const NO_CACHE = /(?:^|,)\s*no-cache\s*(?:,|$)/i

/** A kept answer; its Brotli and gzip forms are made at its first hit that asks for them. */
export type Entry = CompressedForms & {
  headers: Record<string, string>
  etag: string | undefined
  identity: string
}

/** The kept answers, one store per process (Deps.responseCache); `registerResponseCache` fills and clears it. */
export type ResponseCache = {
  /** The number of changes seen so far: an answer read before the latest one is not kept. */
  readonly generation: number
  get(url: string): Entry | undefined
  set(url: string, entry: Entry): void
  /** Forgets every kept answer (a change was made here or seen on the feed). */
  clear(): void
  readonly size: number
}

/** RESPONSE_CACHE_MB's bytes, or undefined when it is 0 (off). */
export function createResponseCache(maxBytes: number): ResponseCache | undefined {
  if (maxBytes === 0) return undefined
  const entries = new LRUCache<string, Entry>({
    maxSize: maxBytes,
    // The text, and as much again for its two compressed forms (made later, each smaller than the text).
    sizeCalculation: (entry) => Math.max(1, 2 * Buffer.byteLength(entry.identity)),
    ttl: MAX_AGE_MS,
  })
  let generation = 0
  return {
    get generation() {
      return generation
    },
    get: (url) => entries.get(url),
    set: (url, entry) => {
      entries.set(url, entry)
    },
    clear: () => {
      generation += 1
      entries.clear()
    },
    get size() {
      return entries.size
    },
  }
}

/**
 * The anonymous API response cache (issue 10 targets; decision 0024).
 *
 * A website's API is read far more often than it is written, and an anonymous
 * read is the same for every caller: a route that opts in (`config:
 * { responseCache: true }`) has its anonymous GET answers kept in memory, by
 * URL, with their Brotli and gzip forms compressed once, and sent again
 * without the database, serialisation or compression. Signed-in callers always
 * get a fresh answer (they may see drafts, and see their own writes at once).
 *
 * Invalidation is coarse and therefore easy to trust: any change clears
 * everything. Changes are seen two ways: a write answered by this instance
 * clears the cache before its answer leaves (its transaction has committed),
 * and the change feed (LISTEN/NOTIFY, decision 0011) brings every instance's
 * changes, including the job worker's. A read that began before a clear does
 * not keep its answer (the generation check), so a kept answer never predates
 * the newest change this instance knows of. Another instance's write is seen
 * when its notification arrives (milliseconds; the feed's poll catches up a
 * lost one within seconds), and nothing is kept longer than a minute.
 */
export function registerResponseCache(
  site: FastifyInstance,
  options: { cache: ResponseCache | undefined; changes: ChangeFeed; onError?: (error: unknown) => void },
) {
  const { cache } = options
  if (cache === undefined) return
  // Nothing is kept until the feed listens: a change before that would go unseen.
  let listening: 'no' | 'starting' | 'yes' = 'no'
  let stopListening: (() => Promise<void>) | undefined
  site.addHook('onClose', async () => stopListening?.())
  const listen = () => {
    listening = 'starting'
    options.changes
      .onChange(() => cache.clear(), {
        onError: (error) => {
          cache.clear()
          options.onError?.(error)
        },
      })
      .then((stop) => {
        stopListening = stop
        cache.clear()
        listening = 'yes'
      })
      .catch((error: unknown) => {
        // The database not reachable or not migrated yet: the next request tries again.
        listening = 'no'
        options.onError?.(error)
      })
  }

  site.decorateRequest('responseCacheGeneration', undefined)

  // After the auth hook (request.actor) and the per-request headers; before validation and the handler.
  site.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || request.actor !== null || request.routeOptions.config.responseCache !== true) return
    if (listening !== 'yes') {
      if (listening === 'no') listen()
      return
    }
    // `Cache-Control: no-cache` (RFC 9111 §5.2.1.4) asks for a fresh answer, which is then kept for others.
    const entry = NO_CACHE.test(request.headers['cache-control'] ?? '') ? undefined : cache.get(request.url)
    if (entry === undefined) {
      request.responseCacheGeneration = cache.generation
      return
    }
    reply.headers(entry.headers)
    if (entry.etag !== undefined && ifNoneMatch(request.headers['if-none-match'], entry.etag)) {
      varyByEncoding(reply, entry.identity, entry.headers.vary)
      return reply.code(304).send()
    }
    return reply.code(200).send(choose(request, reply, entry))
  })

  // Scope-level onSend hooks run before the compression plugin's (route-level) one: the payload is still the JSON text.
  site.addHook('onSend', async (request, reply, payload) => {
    if (UNSAFE.has(request.method)) {
      if (reply.statusCode < 400) cache.clear()
      return payload
    }
    const missedAt = request.responseCacheGeneration
    if (missedAt === undefined || missedAt !== cache.generation || reply.statusCode !== 200 || typeof payload !== 'string') return payload
    // Kept as text; this answer is compressed by the plugin as any other (a miss costs what no cache costs).
    cache.set(request.url, keep(reply, payload))
    return payload
  })
}

function keep(reply: FastifyReply, body: string): Entry {
  const headers: Record<string, string> = {}
  for (const name of KEPT_HEADERS) {
    const value = reply.getHeader(name)
    if (value !== undefined) headers[name] = String(value)
  }
  return { headers, etag: headers.etag, identity: body }
}

/**
 * A kept answer's form that the caller accepts. A form is compressed at its first hit, once per
 * change, so harder than a response compressed for itself (BROTLI_QUALITY_PER_RESPONSE).
 */
const choose = (request: FastifyRequest, reply: FastifyReply, entry: Entry) =>
  encodeFor(request, reply, entry.identity, entry, { brotliQuality: 5, vary: entry.headers.vary })
