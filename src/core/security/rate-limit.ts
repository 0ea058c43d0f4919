import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Clock } from '#core/clock.ts'
import type { Config } from '#core/config.ts'
import { type Db, sql } from '#core/db/database.ts'
import { tooManyRequests } from '#core/http/errors.ts'

/**
 * The general per-client limit on the JSON API (issue 9, item 3; decision
 * 0015), with @fastify/rate-limit: RATE_LIMIT_MAX requests per client address
 * (request.ip, so TRUST_PROXY decides what a client is) within
 * RATE_LIMIT_WINDOW_S; over it, 429 problem+json with Retry-After and the
 * RateLimit-* headers of the IETF draft. Counted where every instance sees
 * it: Redis when REDIS_URL is set, else the database's `rate_limits` table.
 * Only /api/ is limited: pages are served from the full-page cache, and the
 * probes live outside the site scope. RATE_LIMIT_MAX=0 turns it off.
 */
export async function registerRateLimit(site: FastifyInstance, deps: { config: Config; db: Db; clock: Clock }) {
  const { config } = deps
  if (config.rateLimitMax === 0) return
  const options: RateLimitPluginOptions = {
    // Not per route: one onRequest hook on the whole site scope, added before the
    // features' hooks, so that it runs before authentication and validation.
    global: false,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowS * 1000,
    allowList: (request) => !request.url.startsWith('/api/'),
    enableDraftSpec: true,
    // A store that cannot answer (Redis down) lets the request through and logs: the limit is a guard, not a gate.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => tooManyRequests(Math.ceil(context.ttl / 1000)),
  }
  if (config.redisUrl) {
    const { Redis } = await import('ioredis')
    // As the plugin's README advises: fail fast rather than queue requests behind a lost connection.
    const redis = new Redis(config.redisUrl, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    redis.on('error', (error) => site.log.warn({ err: error }, 'rate limit: Redis error'))
    // Connected before the first request; Redis down at start is logged and retried in the background.
    await redis.connect().catch(() => {})
    site.addHook('onClose', async () => {
      redis.disconnect()
    })
    await site.register(rateLimit, { ...options, redis, nameSpace: 'plinth:rate-limit:' })
  } else {
    await site.register(rateLimit, { ...options, store: databaseStore(deps.db, deps.clock) })
  }
  site.addHook('onRequest', site.rateLimit())
}

type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** Prune rows of ended windows after this many counts (per instance). */
const PRUNE_EVERY = 1000

/**
 * A @fastify/rate-limit store on the `rate_limits` table: one upsert per
 * request, which restarts the window when it has ended and answers the count
 * and the milliseconds left.
 */
function databaseStore(db: Db, clock: Clock) {
  let counted = 0
  return class DatabaseRateLimitStore {
    private readonly prefix: string
    constructor(_options?: unknown, prefix = '') {
      this.prefix = prefix
    }

    incr(key: string, callback: StoreCallback, timeWindow: number) {
      const now = clock()
      const ends = new Date(now.getTime() + timeWindow)
      counted += 1
      const prune = counted % PRUNE_EVERY === 0
      sql<{ hits: number; window_ends_at: Date }>`
        insert into rate_limits as r (key, hits, window_ends_at) values (${this.prefix + key}, 1, ${ends})
        on conflict (key) do update set
          hits = case when r.window_ends_at <= ${now} then 1 else r.hits + 1 end,
          window_ends_at = case when r.window_ends_at <= ${now} then ${ends} else r.window_ends_at end
        returning hits, window_ends_at`
        .execute(db)
        .then(async (result) => {
          const row = result.rows[0]
          if (prune) await sql`delete from rate_limits where window_ends_at <= ${now}`.execute(db)
          callback(null, {
            current: Number(row?.hits ?? 1),
            ttl: Math.max(0, new Date(row?.window_ends_at ?? ends).getTime() - now.getTime()),
          })
        })
        .catch((error: Error) => callback(error))
    }

    /** A route with a limit of its own counts apart (none has one yet). */
    child(routeOptions: { method: string | string[]; url: string }) {
      return new DatabaseRateLimitStore(undefined, `${this.prefix}${String(routeOptions.method)}${routeOptions.url}-`)
    }
  }
}
