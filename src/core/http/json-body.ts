import type { FastifyInstance } from 'fastify'
import { badRequest } from './errors.ts'

export const MAX_JSON_DEPTH = 32

/**
 * Fastify's JSON parser (prototype-poisoning keys refused) plus a depth limit:
 * no API input is deeper than a few levels, and a deeply nested body costs every
 * later recursive walk (validation, serialisation) time and stack.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined)
      if (depthOf(value) > MAX_JSON_DEPTH)
        return done(badRequest(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`), undefined)
      done(null, value)
    })
  })
}

/** Nesting depth of a parsed JSON value, without recursion. */
function depthOf(root: unknown): number {
  let deepest = 0
  const stack: [unknown, number][] = [[root, 1]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number]
    if (value === null || typeof value !== 'object') continue
    if (depth > deepest) deepest = depth
    if (deepest > MAX_JSON_DEPTH) return deepest
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1])
  }
  return deepest
}
