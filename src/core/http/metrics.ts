import type { FastifyReply, FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/**
 * Prometheus metrics: process metrics plus one request-duration histogram
 * labelled by route pattern (never the raw URL, which would explode the label
 * set) and status code. One registry per app, so tests can build several apps
 * in one process.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return {
    registry,
    /** An onResponse hook. */
    observeRequest(request: FastifyRequest, reply: FastifyReply, done: () => void) {
      const route = request.routeOptions.url ?? 'unmatched'
      duration.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000)
      done()
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
