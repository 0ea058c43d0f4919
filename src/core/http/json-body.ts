import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badRequest, HttpError, invalid } from './errors.ts'

export const MAX_JSON_DEPTH = 32

/**
 * Fastify's JSON parser (prototype-poisoning keys refused) plus what no API
 * input may carry:
 * - a nesting deeper than MAX_JSON_DEPTH: no API input is deeper than a few
 *   levels, and a deeply nested body costs every later recursive walk
 *   (validation, serialisation) time and stack;
 * - a NUL character (U+0000) in any string or key: PostgreSQL's text refuses it
 *   (SQLSTATE 22021), so it would otherwise surface as a 500 (issue 9, item 6);
 * - a charset other than UTF-8 (RFC 8259 §8.1): 415 rather than mojibake.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const charset = charsetOf(request)
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return done(
        new HttpError(415, 'unsupported_media_type', `A JSON body must be UTF-8 (the request declares charset "${charset}").`),
        undefined,
      )
    }
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined)
      const found = inspect(value)
      if (found.depth > MAX_JSON_DEPTH)
        return done(badRequest(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`, 'json_too_deep'), undefined)
      if (found.nulAt !== undefined)
        return done(
          invalid([{ field: found.nulAt || 'body', in: 'body', message: 'must not contain a NUL character (\\u0000)' }]),
          undefined,
        )
      done(null, value)
    })
  })
}

function charsetOf(request: FastifyRequest): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')
  return match ? (match[1] as string).toLowerCase() : undefined
}

/**
 * Nesting depth of a parsed JSON value and the dotted path of the first string
 * or key holding a NUL, without recursion. Stops as soon as either is found.
 */
function inspect(root: unknown): { depth: number; nulAt?: string } {
  let deepest = 0
  const stack: [unknown, number, string][] = [[root, 1, '']]
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop() as [unknown, number, string]
    if (typeof value === 'string') {
      if (value.includes('\0')) return { depth: deepest, nulAt: path }
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (depth > deepest) deepest = depth
    if (deepest > MAX_JSON_DEPTH) return { depth: deepest }
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value)
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key
      if (key.includes('\0')) return { depth: deepest, nulAt: childPath }
      stack.push([child, depth + 1, childPath])
    }
  }
  return { depth: deepest }
}

/**
 * onRequest (root scope): a NUL (%00) anywhere in the path or the query string
 * is a 400 before routing reaches a handler or the database. Names the query
 * parameter when it is in the query.
 */
export function refuseNulInUrl(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) {
  const url = request.url
  if (!/%00|\0/i.test(url)) return done()
  const index = url.indexOf('?')
  const path = index === -1 ? url : url.slice(0, index)
  if (/%00|\0/i.test(path)) return done(invalid([{ field: 'path', in: 'path', message: 'must not contain a NUL character (%00)' }]))
  const names: string[] = []
  try {
    for (const [name, value] of new URLSearchParams(url.slice(index + 1))) {
      if (name.includes('\0') || value.includes('\0')) names.push(name.replaceAll('\0', '\\u0000'))
    }
  } catch {
    // A malformed query is reported by the query parser; the NUL alone is reason enough here.
  }
  const fields = (names.length > 0 ? names : ['querystring']).map((field) => ({
    field,
    in: 'querystring',
    message: 'must not contain a NUL character (%00)',
  }))
  done(invalid(fields))
}
