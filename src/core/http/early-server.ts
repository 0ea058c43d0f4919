import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Lifecycle } from '../lifecycle.ts'
import { renderErrorPage } from './error-page.ts'
import { requestIdFrom } from './request-id.ts'
import { securityHeadersFor } from './security-headers.ts'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

// node:http taken as require() gives it, not through `import`: an ES import of
// node:http reads all its exports, and its WebSocket, CloseEvent and
// MessageEvent getters load Node's bundled undici, ~13 MB of idle RSS the
// server never uses (decision 0014).
const http = process.getBuiltinModule('node:http')

/**
 * The process's one HTTP server, listening before anything heavy is loaded
 * (issue 8, item 7): the app's modules and the database take a second or more,
 * and a load balancer or orchestrator should see the process alive meanwhile.
 * Until `handOver`, it answers /healthz 200, /readyz 503 with the lifecycle
 * state, and everything else 503 with Retry-After, as the app's starting gate
 * does. `handOver` gives every later request to the app (Fastify's
 * `serverFactory` returns this server, so `app.server` is this one).
 *
 * Imports only node:http and two small core files, so it listens within a few
 * tens of milliseconds of the process starting.
 */
export type EarlyServer = {
  server: Server
  /** From now on, requests go to `handler` (the app's); the server keeps listening. */
  handOver(handler: Handler): void
}

export function listenEarly(options: { port: number; host: string; lifecycle: Lifecycle; publicUrl: string }): Promise<EarlyServer> {
  // The app's security headers for this site (HSTS too when it is served over https).
  const headers = securityHeadersFor(options.publicUrl)
  let handler: Handler = (request, response) => answerWhileStarting(request, response, options.lifecycle, headers)
  const server = http.createServer((request, response) => handler(request, response))
  // Fastify's defaults, which its own server would have had: keep idle
  // connections 72 s (longer than common load balancers' 60 s) and no request timeout.
  server.keepAliveTimeout = 72_000
  server.requestTimeout = 0
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', reject)
      resolve({
        server,
        handOver(next) {
          handler = next
        },
      })
    })
  })
}

function answerWhileStarting(
  request: IncomingMessage,
  response: ServerResponse,
  lifecycle: Lifecycle,
  securityHeaders: Readonly<Record<string, string>>,
) {
  const path = (request.url ?? '/').split('?')[0] as string
  const json = (status: number, body: unknown, type = 'application/json; charset=utf-8', headers: Record<string, string> = {}) => {
    response.writeHead(status, { ...securityHeaders, 'content-type': type, 'cache-control': 'no-store', ...headers })
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(body))
  }
  // The probes, as core/http/health.ts answers them once the app is there.
  if (path === '/healthz') return json(200, { status: 'ok' })
  if (path === '/readyz') return json(503, { status: lifecycle.state })
  const requestId = requestIdFrom(request)
  const detail =
    lifecycle.state === 'stopping' ? 'Plinth is shutting down; try again in a moment.' : 'Plinth is starting; try again in a moment.'
  const headers = { 'retry-after': '2', 'x-request-id': requestId }
  if (path === '/api' || path.startsWith('/api/')) {
    const problem = {
      type: 'urn:plinth:problem:service_unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail,
      code: 'service_unavailable',
      request_id: requestId,
    }
    return json(503, problem, 'application/problem+json; charset=utf-8', headers)
  }
  response.writeHead(503, { ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers })
  response.end(request.method === 'HEAD' ? undefined : renderErrorPage(503, 'Service Unavailable', detail))
}
