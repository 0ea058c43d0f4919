import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { buildTestApp } from '../../../test/app.ts'
import { PageQuery, QueryString } from './schemas.ts'

// Typed routes (issue 8): features get the TypeBox-typed instance (AppInstance in
// schemas.ts), so a handler reads request.body, query and params as the schema
// types them. A cast would silently disagree with the schema; these checks keep
// the rule without anyone having to remember it.

const SRC = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(file)
    return entry.name.endsWith('.ts') ? [file] : []
  })
}

/** Every line of src/ that matches `pattern`, as `path:line: text`. */
function offenders(pattern: RegExp, files = sourceFiles(SRC)) {
  return files.flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${path.relative(SRC, file)}:${index + 1}: ${line.trim()}`] : [])),
  )
}

describe('typed routes', () => {
  test('no code casts request.body, request.query or request.params', () => {
    // Built from parts so this file does not match itself.
    const cast = new RegExp(`\\brequest\\.(body|query|params)\\)?\\s+${'as'}\\b`)
    assert.deepEqual(offenders(cast), [], 'type the route schema instead (AppInstance, core/http/schemas.ts)')
  })

  test("features' routes take AppInstance, and their register scopes are typed too", () => {
    const routeFiles = sourceFiles(path.join(SRC, 'features')).filter((file) => /\.(routes|page)\.ts$/.test(file))
    assert.ok(routeFiles.length >= 7, `found only ${routeFiles.length} route files`)
    // FastifyInstance without generics has no type provider: request parts become `unknown`.
    assert.deepEqual(offenders(/\bFastifyInstance\b/, routeFiles), [], 'take `app: AppInstance`')
    // `register(async (scope) => …)` gives the scope Fastify's default provider unless the parameter is typed.
    assert.deepEqual(offenders(/register\(\s*async\s*\(\s*\w+\s*\)/, routeFiles), [], 'write `async (scope: AppInstance) =>`')
  })

  test('a query parameter with a default is optional for clients and filled in for the handler', async (t) => {
    const { app } = await buildTestApp(t, {
      routes: (site) => {
        site.get('/api/v1/probe', { schema: { querystring: QueryString(PageQuery) } }, async (request) => request.query)
      },
    })
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/probe' })).json(), { limit: 20 })
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/probe?limit=5&cursor=x' })).json(), { limit: 5, cursor: 'x' })
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/probe?limit=0' })).statusCode, 400)
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, { get: { parameters: { name: string; in: string; required?: boolean }[] } }>
    }
    const parameters = doc.paths['/api/v1/posts']?.get.parameters ?? []
    const byName = (name: string) => parameters.find((parameter) => parameter.name === name && parameter.in === 'query')
    assert.ok(byName('limit'), 'limit is documented')
    assert.notEqual(byName('limit')?.required, true)
    assert.notEqual(byName('sort')?.required, true)
    const redirects = doc.paths['/api/v1/redirects']?.get.parameters ?? []
    assert.equal(redirects.find((parameter) => parameter.name === 'path')?.required, true, 'a parameter without a default stays required')
  })
})
