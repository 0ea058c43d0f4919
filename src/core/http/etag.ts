import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * ETag and If-None-Match for single resources (brief: "single resources carry
 * an ETag and answer If-None-Match with 304"). The tag is a hash of the body
 * about to be sent, so it changes exactly when the answer does. What a caller
 * may see depends on who they are, so the answer varies by credentials.
 * Returns the body to send, or sends the 304 itself.
 */
export function sendWithEtag<T>(request: FastifyRequest, reply: FastifyReply, body: T): T | FastifyReply {
  const etag = `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`
  reply.header('etag', etag)
  reply.header('vary', 'Cookie, Authorization')
  if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send()
  return body
}

// Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored; `*` matches any.
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  const opaque = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => {
    const trimmed = tag.trim()
    return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque
  })
}
