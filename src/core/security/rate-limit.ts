import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Clock } from '#core/clock.ts'
import type { Config } from '#core/config.ts'
import type { Db } from '#core/db/database.ts'
import { tooManyRequests } from '#core/http/errors.ts'
import { SharedCounts, sharedCountsStore } from './rate-limit.store.ts'

/**
 * The general per-client limit on the JSON API (issue 9, item 3; decision
 * 0015), with @fastify/rate-limit: RATE_LIMIT_MAX requests per client address
 * (request.ip, so TRUST_PROXY decides what a client is) within
 * RATE_LIMIT_WINDOW_S; over it, 429 problem+json with Retry-After and the
 * RateLimit-* headers of the IETF draft. Counted where every instance sees
 * it: Redis when REDIS_URL is set, else the database's `rate_limits` table
 * (rate-limit.store.ts: counted locally, added to the table once a second, and
 * on every request once a client is past half the limit).
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
    const counts = new SharedCounts(deps.db, deps.clock, (error) => site.log.warn({ err: error }, 'rate limit: counts not saved'))
    site.addHook('onClose', () => counts.close())
    await site.register(rateLimit, { ...options, store: sharedCountsStore(counts) })
  }
  site.addHook('onRequest', site.rateLimit())
}
