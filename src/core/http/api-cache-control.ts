import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * onSend (site scope): an API answer given to a signed-in caller (session
 * cookie or Bearer token) is that caller's alone, so no shared or browser cache
 * may keep it: `Cache-Control: private, no-store` unless the route chose a
 * policy itself (issue 9, item 8). ETags and 304s are unaffected: a client
 * that kept a tag may still ask If-None-Match.
 */
export function privateApiCacheControl(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
) {
  if (request.actor && (request.url === '/api' || request.url.startsWith('/api/')) && !reply.hasHeader('cache-control')) {
    reply.header('cache-control', 'private, no-store')
  }
  done(null, payload)
}
