import cors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ChangeFeed } from '#core/changes/changes.ts'
import type { Config } from '#core/config.ts'
import { forbidden } from './errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @fastify/cors reads it: false leaves the route out of CORS (every route outside /api/). */
    cors?: false
  }
}

/**
 * The origins whose pages may call the API with credentials (decision 0016):
 * CORS_ORIGINS (fixed at start) and the site setting `cors_origins`. The stored
 * list is read once, on first use, and again only when the change feed brings a
 * change tagged `site` (every instance hears every write, so all of them follow
 * an admin's PATCH within a moment, without a restart): never a query per request.
 */
export type AllowedOrigins = {
  /** Whether `origin` is listed. The first call reads the stored list (and subscribes to the feed); later calls answer from memory. */
  allows(origin: string): boolean | Promise<boolean>
  /** Stops following the change feed. */
  close(): Promise<void>
}

export function createAllowedOrigins(options: {
  fixed: readonly string[]
  /** Reads the stored list (the settings feature's getCorsOrigins). */
  load: () => Promise<readonly string[]>
  changes: ChangeFeed
  /** A refresh that failed after a change (the feed delivers that change again at its next wake-up). */
  onError?: (error: unknown) => void
}): AllowedOrigins {
  const fixed = new Set(options.fixed)
  let stored: ReadonlySet<string> | undefined
  let latest: Promise<ReadonlySet<string>> | undefined
  let subscription: Promise<() => Promise<void>> | undefined
  let closed = false

  // Subscribes before it reads, so a change committed after the read is heard and read again.
  function refresh(): Promise<ReadonlySet<string>> {
    subscription ??= options.changes.onChange(
      async (change) => {
        if (change.tags.includes('site')) await refresh()
      },
      { onError: options.onError },
    )
    const attempt = subscription.then(async () => new Set(await options.load()))
    latest = attempt
    attempt.then(
      // Only the newest read counts: an older one that ends later holds older data.
      (origins) => {
        if (latest === attempt) stored = origins
      },
      () => {
        // Not subscribed yet (the database not reachable or not migrated): the next call tries again.
        subscription?.catch(() => {
          subscription = undefined
        })
        if (latest === attempt) latest = undefined
      },
    )
    return attempt
  }

  return {
    allows(origin) {
      if (fixed.has(origin)) return true
      if (stored) return stored.has(origin)
      return (latest ?? refresh()).then((origins) => origins.has(origin))
    },
    async close() {
      if (closed) return
      closed = true
      const stop = await subscription?.catch(() => undefined)
      // A database closed before the app (as tests close theirs) has no LISTEN left to end.
      await stop?.().catch(() => {})
    },
  }
}

/** Methods and request headers a listed origin may use; what its script may read of an answer. */
const LISTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
const LISTED_HEADERS = ['Content-Type', 'Authorization', 'X-CSRF-Token', 'If-None-Match', 'X-Request-Id']
const PUBLIC_METHODS = ['GET', 'HEAD']
const PUBLIC_HEADERS = ['Content-Type', 'If-None-Match', 'X-Request-Id']
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'X-Request-Id',
  'Content-Disposition',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
]
/** Seconds a browser keeps a preflight's answer (Chromium caps it at 7200). */
const MAX_AGE_S = 600

const OFF: FastifyCorsOptions = { origin: false }
const LISTED: FastifyCorsOptions = {
  origin: true,
  credentials: true,
  methods: LISTED_METHODS,
  allowedHeaders: LISTED_HEADERS,
  exposedHeaders: EXPOSED_HEADERS,
  maxAge: MAX_AGE_S,
}
const PUBLIC_READ: FastifyCorsOptions = {
  origin: '*',
  credentials: false,
  methods: PUBLIC_METHODS,
  allowedHeaders: PUBLIC_HEADERS,
  exposedHeaders: EXPOSED_HEADERS,
  maxAge: MAX_AGE_S,
}

/**
 * CORS on /api/ with @fastify/cors (issue 10, item 1; decision 0016), one
 * answer per request from a delegate:
 *
 * - a listed origin (AllowedOrigins) gets its own origin back with
 *   credentials, every method, and the headers a front end sends
 *   (Authorization, X-CSRF-Token…); the auth hook accepts its writes;
 * - any other origin may read anonymously (GET/HEAD without a cookie or an
 *   Authorization header) with `*` and no credentials, unless
 *   CORS_ANONYMOUS_READS=false; everything else gets no CORS headers, and its
 *   preflight a 403 origin_not_allowed, so the browser blocks the call.
 *
 * Every /api/ answer carries `Vary: Origin` (its CORS headers depend on it). Pages
 * and other paths are left out (no CORS, no Vary). Register it before the rate
 * limit and the auth hook: a preflight is answered before either runs, and a
 * 401/403/429 still carries the headers that let the front end read it.
 * Returns the allowed origins, for the auth hook's origin check.
 */
export async function registerCors(
  site: FastifyInstance,
  deps: {
    config: Pick<Config, 'publicUrl' | 'corsOrigins' | 'corsAnonymousReads'>
    changes: ChangeFeed
    /** Reads the site setting `cors_origins` (the settings feature's getCorsOrigins). */
    storedOrigins: () => Promise<readonly string[]>
  },
): Promise<AllowedOrigins> {
  const origins = createAllowedOrigins({
    fixed: deps.config.corsOrigins,
    load: deps.storedOrigins,
    changes: deps.changes,
    onError: (error) => site.log.warn({ err: error }, 'CORS: the allowed origins could not be read again; retrying'),
  })
  const siteOrigin = new URL(deps.config.publicUrl).origin
  const anonymousReads = deps.config.corsAnonymousReads

  // Routes outside /api/ take no part (the preflight route `*` itself stays in).
  site.addHook('onRoute', (route) => {
    if (route.url !== '*' && !isApiPath(route.url)) route.config = { ...route.config, cors: false }
  })

  const listedOrUnlisted = (request: FastifyRequest, listed: boolean): FastifyCorsOptions => {
    if (listed) return LISTED
    if (anonymousReads && isAnonymousRead(request)) return PUBLIC_READ
    // An unlisted origin's preflight for anything else: refused, without CORS headers.
    if (request.method === 'OPTIONS') throw forbidden(`The origin ${request.headers.origin} may not call this API.`, 'origin_not_allowed')
    return OFF
  }

  await site.register(cors, {
    hook: 'onRequest',
    // Browsers end a preflight at the 204: the routes never see it.
    hideOptionsRoute: true,
    delegator: (request, callback) => {
      const origin = request.headers.origin
      if (typeof origin !== 'string' || origin === siteOrigin || !isApiPath(request.url)) return callback(null, OFF)
      try {
        const listed = origins.allows(origin)
        if (typeof listed === 'boolean') return callback(null, listedOrUnlisted(request, listed))
        listed.then(
          (answer) => {
            try {
              callback(null, listedOrUnlisted(request, answer))
            } catch (error) {
              callback(error as Error)
            }
          },
          (error: Error) => callback(error),
        )
      } catch (error) {
        callback(error as Error)
      }
    },
  })
  site.addHook('onClose', () => origins.close())
  return origins
}

/** The API: /api itself (its index), the document, the reference and /api/v1. */
const isApiPath = (url: string) => url.startsWith('/api/') || url === '/api' || url.startsWith('/api?')

/**
 * A read any page may make: GET or HEAD (or the preflight of one) that carries no
 * credential. Browsers send a cookie cross-origin only with `credentials: 'include'`,
 * which a `*` answer does not let the script read anyway; refusing here keeps
 * signed-in answers from ever carrying `*`.
 */
function isAnonymousRead(request: FastifyRequest): boolean {
  if (request.method === 'OPTIONS') {
    const method = request.headers['access-control-request-method']
    const headers = request.headers['access-control-request-headers']
    return (
      typeof method === 'string' &&
      PUBLIC_METHODS.includes(method.toUpperCase()) &&
      (typeof headers !== 'string' || !/(^|,)\s*authorization\s*(,|$)/i.test(headers))
    )
  }
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    request.headers.authorization === undefined &&
    request.headers.cookie === undefined
  )
}
