import type { FastifyInstance } from 'fastify'
import type { Database } from '../db/database.ts'
import type { Lifecycle } from '../lifecycle.ts'
import type { Metrics } from './metrics.ts'

/**
 * Probes for the load balancer, the orchestrator and Prometheus. They sit
 * outside the site scope (see buildApp): no security headers, compression,
 * request metrics or per-request log lines, because they are called all day
 * and are never shown in a browser.
 *
 * /healthz: the process is alive (answers as soon as it listens).
 * /readyz: send traffic here — database answers, migrations are applied, and
 * we are not shutting down.
 */
export function registerHealth(app: FastifyInstance, deps: { database: Database; lifecycle: Lifecycle; metrics: Metrics }) {
  const probe = { schema: { hide: true }, logLevel: 'warn' } as const
  const { lifecycle, database, metrics } = deps

  app.get('/healthz', probe, (_request, reply) => {
    reply.header('cache-control', 'no-store').send({ status: 'ok' })
  })

  app.get('/readyz', probe, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    if (lifecycle.state !== 'ready') return reply.code(503).send({ status: lifecycle.state })
    if (!(await database.ping())) return reply.code(503).send({ status: 'database_unreachable' })
    return { status: 'ready' }
  })

  app.get('/metrics', probe, async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
