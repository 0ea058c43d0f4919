import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { buildTestApp } from './app.ts'
import { createStatusObserver, openApiPath, summarizeStatusCoverage } from './status-coverage.ts'

// The status-coverage check of every test app (test/status-coverage.ts): fed
// the real document, it flags a status the document does not declare and only that.

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }

const answer = (doc: Doc, method: string, url: string, status: number) => ({
  request: { method, routeOptions: { url }, server: { swagger: () => doc } } as unknown as FastifyRequest,
  reply: { statusCode: status } as FastifyReply,
})

describe('status coverage', () => {
  test('an answer the document declares passes; an undeclared one is reported with what is declared', async (t) => {
    const { app } = await buildTestApp(t)
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Doc
    const observer = createStatusObserver()
    for (const [method, url, status] of [
      ['GET', '/api/v1/site', 200],
      ['HEAD', '/api/v1/site', 200],
      ['GET', '/api/v1/media/:id', 404],
      ['DELETE', '/api/v1/media/:id', 204],
    ] as const) {
      const { request, reply } = answer(doc, method, url, status)
      observer.observe(request, reply)
    }
    assert.deepEqual(observer.finish(), [])

    const strict = createStatusObserver()
    for (const [method, url, status] of [
      ['GET', '/api/v1/site', 200],
      ['GET', '/api/v1/site', 418],
      ['HEAD', '/api/v1/site', 207],
      ['DELETE', '/api/v1/media/:id', 200],
    ] as const) {
      const { request, reply } = answer(doc, method, url, status)
      strict.observe(request, reply)
    }
    const problems = strict.finish()
    assert.equal(problems.length, 3, problems.join('\n'))
    assert.match(problems[0] as string, /^GET \/api\/v1\/site answered 418, which the OpenAPI document does not declare \(declares 200, /)
    assert.match(problems[1] as string, /^GET \/api\/v1\/site answered 207/, 'HEAD is checked against GET')
    assert.match(problems[2] as string, /^DELETE \/api\/v1\/media\/\{id\} answered 200, .*declares 204,/)
  })

  test("a test's own fixture routes, hidden routes and unmatched requests are not checked", async (t) => {
    const { app } = await buildTestApp(t)
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Doc
    const observer = createStatusObserver()
    observer.fixtureRoutes.add('GET /api/v1/site')
    for (const [url, status] of [
      ['/api/v1/site', 418],
      ['/api/openapi.json', 418],
      [undefined, 404],
    ] as const) {
      const { request, reply } = answer(doc, 'GET', url as string, status)
      observer.observe(request, reply)
    }
    assert.deepEqual(observer.finish(), [])
  })

  test('the observer is wired into every test app: real answers are recorded by route pattern', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-status-'))
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
    const before = process.env.PLINTH_STATUS_LOG_DIR
    process.env.PLINTH_STATUS_LOG_DIR = dir
    t.after(() => {
      if (before === undefined) delete process.env.PLINTH_STATUS_LOG_DIR
      else process.env.PLINTH_STATUS_LOG_DIR = before
    })
    await t.test('an app', async (inner) => {
      const { app } = await buildTestApp(inner)
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/media/12345' })).statusCode, 401)
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/site' })).statusCode, 200)
    })
    const summary = summarizeStatusCoverage(dir)
    assert.ok(summary.operations > 40)
    const media = summary.unobserved.find((line) => line.startsWith('GET /api/v1/media/{id}:'))
    assert.ok(media && !/\b401\b/.test(media.split(':')[1] as string), `401 was observed: ${media}`)
    assert.match(media as string, /\b200\b/, 'the 200 was not observed')
    assert.ok(summary.unobserved2xx.some((line) => line.startsWith('GET /api/v1/media/{id}: 200')))
    assert.ok(!summary.unobserved2xx.some((line) => line.startsWith('GET /api/v1/site:')), 'GET /api/v1/site 200 was observed')
  })

  test('route patterns become OpenAPI paths', () => {
    assert.equal(openApiPath('/api/v1/posts/:id/revisions/:rev/restore'), '/api/v1/posts/{id}/revisions/{rev}/restore')
    assert.equal(openApiPath('/api/v1/site'), '/api/v1/site')
  })
})
