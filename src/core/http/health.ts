import type { FastifyInstance } from 'fastify'
import type { Database } from '../db/database.ts'
import type { Lifecycle } from '../lifecycle.ts'

/**
 * Probes for the load balancer and the orchestrator.
 * /healthz: the process is alive (answers as soon as it listens).
 * /readyz: send traffic here — database answers and migrations are applied,
 * and we are not shutting down.
 */
export function registerHealth(app: FastifyInstance, deps: { database: Database; lifecycle: Lifecycle }) {
  const probe = { schema: { hide: true }, config: { probe: true }, logLevel: 'warn' } as const

  app.get('/healthz', probe, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })

  app.get('/readyz', probe, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    const { lifecycle, database } = deps
    if (lifecycle.state !== 'ready') {
      return reply.code(503).send({ status: lifecycle.state })
    }
    if (!(await database.ping())) {
      return reply.code(503).send({ status: 'database_unreachable' })
    }
    return { status: 'ready' }
  })
}
