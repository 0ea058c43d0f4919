import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Database } from '../db/database.ts'
import type { Lifecycle } from '../lifecycle.ts'
import { HttpError, notFound } from './errors.ts'
import type { Metrics } from './metrics.ts'

/**
 * Probes for the load balancer, the orchestrator and Prometheus. They sit
 * outside the site scope (see buildApp): no compression, request metrics or
 * per-request log lines, because they are called all day; they do carry the
 * same security headers as every other answer (issue 9, item 8).
 *
 * /healthz: the process is alive (answers as soon as it listens).
 * /readyz: send traffic here — database answers, migrations are applied, and
 * we are not shutting down.
 */
export function registerHealth(
  app: FastifyInstance,
  deps: { database: Database; lifecycle: Lifecycle; metrics: Metrics; metricsToken: string | undefined },
) {
  const probe = { schema: { hide: true }, logLevel: 'warn' } as const
  const { lifecycle, database, metrics, metricsToken } = deps

  app.get('/healthz', probe, (_request, reply) => {
    reply.header('cache-control', 'no-store').send({ status: 'ok' })
  })

  app.get('/readyz', probe, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    if (lifecycle.state !== 'ready') return reply.code(503).send({ status: lifecycle.state })
    if (!(await database.ping())) return reply.code(503).send({ status: 'database_unreachable' })
    return { status: 'ready' }
  })

  // Not public (issue 9, item 8; decision 0005): `Authorization: Bearer <METRICS_TOKEN>`,
  // and no /metrics at all when METRICS_TOKEN is unset.
  const expected = metricsToken === undefined ? undefined : digest(metricsToken)
  app.get('/metrics', probe, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    if (expected === undefined) throw notFound('page')
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')
    if (!match || !timingSafeEqual(digest(match[1] as string), expected)) {
      throw new HttpError(401, 'authentication_required', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      })
    }
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}

const digest = (token: string) => createHash('sha256').update(token).digest()
