import fs from 'node:fs'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Status coverage (issue 10, item 2; decision 0017): every test app records the
 * (method, route, status) of each answer it gives. When the app closes, the test
 * fails if a route answered a status that the OpenAPI document does not declare
 * for it — so an undocumented status is caught by the test that produced it, on
 * whichever database it ran. Only the routes the document lists are checked
 * (hidden routes and a test's own fixture routes are not). With
 * PLINTH_STATUS_LOG_DIR set (scripts/test.ts sets it), the observations and the
 * declared statuses are also written there, for the suite's summary of declared
 * statuses that no test observed (summarizeStatusCoverage).
 */
export type StatusObserver = {
  observe: (request: FastifyRequest, reply: FastifyReply) => void
  /** The routes a test added itself (`routes`): `GET /api/v1/probe`. Not checked. */
  fixtureRoutes: Set<string>
  /** Undocumented statuses seen, one line each; writes the log. Call when the app closes. */
  finish: () => string[]
}

type Operation = { responses?: Record<string, unknown> }
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>> }

/** `/api/v1/posts/:id` → `/api/v1/posts/{id}` (the document's form). */
export const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

// The document is the same for every app a process builds (routes and schemas are the modules'): it is
// built once per process (an app with an API route the first document lacks builds its own).
let sharedDocument: OpenApiDocument | undefined
const declaredLoggedIn = new Set<string>()

export function createStatusObserver(): StatusObserver {
  const seen = new Map<string, Set<number>>()
  const fixtureRoutes = new Set<string>()
  let documentOf: (() => OpenApiDocument) | undefined
  return {
    fixtureRoutes,
    observe(request, reply) {
      const url = request.routeOptions.url
      // Only the document's routes: the API's, not hidden.
      if (url === undefined || !url.startsWith('/api/') || (request.routeOptions.schema as { hide?: boolean } | undefined)?.hide) return
      // The site scope carries @fastify/swagger's decorator.
      documentOf ??= () => (request.server as unknown as { swagger: () => OpenApiDocument }).swagger()
      const method = request.method === 'HEAD' ? 'GET' : request.method
      const key = `${method} ${url}`
      if (fixtureRoutes.has(key)) return
      seen.set(key, (seen.get(key) ?? new Set()).add(reply.statusCode))
    },
    finish() {
      if (!documentOf || seen.size === 0) return []
      sharedDocument ??= documentOf()
      const known = (doc: OpenApiDocument, key: string) => {
        const [method, url] = key.split(' ') as [string, string]
        return doc.paths?.[openApiPath(url)]?.[method.toLowerCase()] !== undefined
      }
      const doc = [...seen.keys()].every((key) => known(sharedDocument as OpenApiDocument, key)) ? sharedDocument : documentOf()
      const problems: string[] = []
      const observations: { operation: string; status: number }[] = []
      for (const [key, statuses] of seen) {
        const [method, url] = key.split(' ') as [string, string]
        const operation = doc.paths?.[openApiPath(url)]?.[method.toLowerCase()]
        if (!operation) continue // hidden, or not an API route
        const declared = Object.keys(operation.responses ?? {})
        for (const status of statuses) {
          observations.push({ operation: `${method} ${openApiPath(url)}`, status })
          if (!declared.includes(String(status))) {
            problems.push(
              `${method} ${openApiPath(url)} answered ${status}, which the OpenAPI document does not declare (declares ${declared.join(', ')})`,
            )
          }
        }
      }
      writeLog(doc, observations)
      return problems
    },
  }
}

function writeLog(doc: OpenApiDocument, observations: { operation: string; status: number }[]) {
  const dir = process.env.PLINTH_STATUS_LOG_DIR
  if (!dir) return
  // The declared statuses once per process (they are the same for each app), the observations per app.
  const declared = declaredLoggedIn.has(dir)
    ? []
    : Object.entries(doc.paths ?? {}).flatMap(([url, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          operation: `${method.toUpperCase()} ${url}`,
          statuses: Object.keys(operation.responses ?? {}).map(Number),
        })),
      )
  declaredLoggedIn.add(dir)
  const file = path.join(dir, `${process.pid}.jsonl`)
  fs.appendFileSync(file, `${JSON.stringify({ declared, observations })}\n`)
}

/**
 * After a run: the declared statuses that no test observed, per operation
 * (2xx first, the ones that matter most), from the files in `dir`.
 */
export function summarizeStatusCoverage(dir: string): { operations: number; unobserved: string[]; unobserved2xx: string[] } {
  const declared = new Map<string, Set<number>>()
  const observed = new Map<string, Set<number>>()
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as {
        declared: { operation: string; statuses: number[] }[]
        observations: { operation: string; status: number }[]
      }
      for (const { operation, statuses } of entry.declared) declared.set(operation, new Set(statuses))
      for (const { operation, status } of entry.observations) observed.set(operation, (observed.get(operation) ?? new Set()).add(status))
    }
  }
  const unobserved: string[] = []
  const unobserved2xx: string[] = []
  for (const [operation, statuses] of [...declared].sort(([a], [b]) => a.localeCompare(b))) {
    const missing = [...statuses].filter((status) => !observed.get(operation)?.has(status))
    if (missing.length > 0) unobserved.push(`${operation}: ${missing.join(', ')}`)
    const missing2xx = missing.filter((status) => status >= 200 && status < 300)
    if (missing2xx.length > 0) unobserved2xx.push(`${operation}: ${missing2xx.join(', ')}`)
  }
  return { operations: declared.size, unobserved, unobserved2xx }
}
