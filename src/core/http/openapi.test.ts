import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RouteOptions } from 'fastify'
import { Type } from 'typebox'
import { buildTestApp } from '../../../test/app.ts'
import { ERROR_CODES } from './error-codes.ts'
import { documentRoute, finishDocument } from './openapi.ts'
import { named } from './schemas.ts'

// The OpenAPI document (decision 0017): what every operation must carry, what
// the transform derives from the auth hooks, and how it is served.

type Answer = { description: string; content?: Record<string, { schema: Record<string, unknown> }> }
type Operation = {
  operationId?: string
  tags?: string[]
  summary?: string
  description?: string
  security?: Record<string, string[]>[]
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  responses: Record<string, Answer>
}
type Document = {
  openapi: string
  info: { license?: { name: string }; description?: string }
  tags: { name: string; description?: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> }
}

async function documentOf(t: Parameters<typeof buildTestApp>[0]) {
  const { app } = await buildTestApp(t)
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' })
  assert.equal(response.statusCode, 200)
  return { app, response, doc: response.json() as Document }
}

const operationsOf = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([url, methods]) => Object.entries(methods).map(([method, op]) => ({ url, method, op })))

/** The problem codes an answer lists (the `code` enum of its problem+json schema). */
function codesOf(answer: Answer | undefined): string[] {
  const schema = answer?.content?.['application/problem+json']?.schema as { allOf?: { properties?: { code?: { enum?: string[] } } }[] }
  return schema?.allOf?.[1]?.properties?.code?.enum ?? []
}

describe('the OpenAPI document', () => {
  test('every operation has a unique operationId, one tag, a summary, a security requirement and described answers', async (t) => {
    const { doc } = await documentOf(t)
    const operations = operationsOf(doc)
    assert.ok(operations.length > 40, `only ${operations.length} operations`)
    const ids = new Set<string>()
    for (const { url, method, op } of operations) {
      const where = `${method.toUpperCase()} ${url}`
      assert.match(op.operationId ?? '', /^[a-z][a-zA-Z]+$/, `${where}: operationId`)
      assert.ok(!ids.has(op.operationId as string), `${where}: operationId ${op.operationId} used twice`)
      ids.add(op.operationId as string)
      assert.equal(op.tags?.length, 1, `${where}: one tag`)
      assert.ok(
        doc.tags.some((tag) => tag.name === op.tags?.[0]),
        `${where}: its tag is listed`,
      )
      assert.ok(op.summary && !op.summary.includes('\n'), `${where}: a one-line summary`)
      assert.ok(Array.isArray(op.security) && op.security.length > 0, `${where}: security`)
      const statuses = Object.keys(op.responses)
      assert.ok(
        statuses.some((status) => status.startsWith('2')),
        `${where}: a 2xx answer`,
      )
      for (const [status, answer] of Object.entries(op.responses)) {
        assert.ok(answer.description && answer.description !== 'Default Response', `${where} ${status}: a description`)
        assert.match(status, /^[1-5]\d\d$/, `${where}: ${status} is a real status, not a range`)
      }
      if (!url.startsWith('/api/')) continue
      for (const status of ['429', '500', '503']) assert.ok(op.responses[status], `${where}: ${status}`)
      for (const [status, answer] of Object.entries(op.responses).filter(([status]) => Number(status) >= 400)) {
        const codes = codesOf(answer)
        assert.ok(codes.length > 0, `${where} ${status}: lists its codes`)
        for (const code of codes) {
          const known = ERROR_CODES[code as keyof typeof ERROR_CODES]
          assert.equal(known?.status, Number(status), `${where}: ${code} under ${status}`)
          assert.ok(answer.description.includes(`\`${code}\``), `${where} ${status}: describes ${code}`)
        }
      }
    }
    assert.ok(doc.info.license?.name)
    assert.ok(
      doc.tags.every((tag) => tag.description),
      'every tag has a description',
    )
  })

  test('reusable schemas are named components, referenced; no def-N', async (t) => {
    const { doc } = await documentOf(t)
    const names = Object.keys(doc.components.schemas)
    for (const name of ['Problem', 'FieldError', 'User', 'UserPage', 'Media', 'MediaPage', 'ApiToken', 'SiteSettings', 'SearchHit']) {
      assert.ok(names.includes(name), `${name} is a component (have ${names.join(', ')})`)
    }
    assert.deepEqual(
      names.filter((name) => /^def-\d+$/.test(name)),
      [],
    )
    const json = JSON.stringify(doc)
    assert.doesNotMatch(json, /x-plinth-ref/)
    assert.doesNotMatch(json, /"\$id"/)
    // Every reference resolves.
    for (const [, name] of json.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(names.includes(name as string), `${name} is referenced but not defined`)
    }
    const me = doc.paths['/api/v1/auth/me']?.get?.responses['200']
    assert.deepEqual(me?.content?.['application/json']?.schema, { $ref: '#/components/schemas/User' })
    const page = doc.components.schemas.UserPage as { properties: { data: { items: unknown } } }
    assert.deepEqual(page.properties.data.items, { $ref: '#/components/schemas/User' })
  })

  test('security and the 401/403 answers follow the route hooks', async (t) => {
    const { doc } = await documentOf(t)
    assert.deepEqual(doc.components.securitySchemes.session, {
      type: 'apiKey',
      in: 'cookie',
      name: 'plinth_session',
      description: doc.components.securitySchemes.session?.description,
    })
    assert.equal(doc.components.securitySchemes.csrf?.name, 'X-CSRF-Token')
    assert.equal(doc.components.securitySchemes.bearer?.scheme, 'bearer')

    // requireRole('admin'): a session or a token, the role and the token's scope.
    const getSettings = doc.paths['/api/v1/settings']?.get as Operation
    assert.deepEqual(getSettings.security, [{ session: [] }, { bearer: [] }])
    assert.deepEqual(codesOf(getSettings.responses['401']).sort(), ['api_token_invalid', 'authentication_required'])
    assert.deepEqual(codesOf(getSettings.responses['403']).sort(), ['role_required', 'scope_required'])
    // A write with the cookie also needs the CSRF token, and may be refused for it or for its origin.
    const patchSettings = doc.paths['/api/v1/settings']?.patch as Operation
    assert.deepEqual(patchSettings.security, [{ session: [], csrf: [] }, { bearer: [] }])
    assert.deepEqual(codesOf(patchSettings.responses['403']).sort(), [
      'csrf_token_invalid',
      'csrf_token_missing',
      'origin_not_allowed',
      'role_required',
      'scope_required',
    ])
    assert.deepEqual(codesOf(patchSettings.responses['400']).sort(), [
      'bad_request',
      'empty_body',
      'invalid_content_length',
      'invalid_json',
      'invalid_url',
      'json_too_deep',
      'validation_failed',
    ])
    assert.deepEqual(codesOf(patchSettings.responses['413']), ['body_too_large'])
    assert.deepEqual(codesOf(patchSettings.responses['415']), ['unsupported_media_type'])
    // requireSession: the cookie only.
    const logout = doc.paths['/api/v1/auth/logout']?.post as Operation
    assert.deepEqual(logout.security, [{ session: [], csrf: [] }])
    assert.ok(codesOf(logout.responses['403']).includes('session_required'))
    assert.equal(logout.responses['204']?.content, undefined, '204 has no body')
    // Anonymous: signing in is optional; no 403 of a role, and no 401 but a bad token's.
    const site = doc.paths['/api/v1/site']?.get as Operation
    assert.deepEqual(site.security, [{}, { session: [] }, { bearer: [] }])
    assert.equal(site.responses['403'], undefined)
    assert.deepEqual(codesOf(site.responses['401']), ['api_token_invalid'])
    // A route's own problems are merged with the generic ones of their status.
    const login = doc.paths['/api/v1/auth/login']?.post as Operation
    assert.deepEqual(codesOf(login.responses['401']).sort(), ['api_token_invalid', 'invalid_credentials', 'totp_invalid', 'totp_required'])
    assert.ok(codesOf(login.responses['403']).includes('account_disabled'))
  })

  test('the upload documents its multipart body, with the file as binary', async (t) => {
    const { doc } = await documentOf(t)
    const upload = doc.paths['/api/v1/media']?.post as Operation
    const schema = upload.requestBody?.content['multipart/form-data']?.schema as {
      required: string[]
      properties: Record<string, { type: string; format?: string }>
    }
    assert.deepEqual(schema.required, ['file'])
    assert.deepEqual(Object.keys(schema.properties).sort(), ['alt', 'file'])
    assert.equal(schema.properties.file?.format, 'binary')
    assert.deepEqual(Object.keys(upload.requestBody?.content ?? {}), ['multipart/form-data'])
    assert.deepEqual(upload.responses['201']?.content?.['application/json']?.schema, { $ref: '#/components/schemas/Media' })
  })

  test('is built once and served from memory with an ETag; If-None-Match answers 304', async (t) => {
    const { app, response } = await documentOf(t)
    const etag = response.headers.etag as string
    assert.match(etag, /^"[\w-]{27}"$/)
    assert.match(response.headers['content-type'] as string, /^application\/json/)
    const again = await app.inject({ method: 'GET', url: '/api/openapi.json' })
    assert.equal(again.body, response.body)
    assert.equal(again.headers.etag, etag)
    const notModified = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: { 'if-none-match': etag } })
    assert.equal(notModified.statusCode, 304)
    assert.equal(notModified.body, '')
    const other = await app.inject({ method: 'GET', url: '/api/openapi.json', headers: { 'if-none-match': '"something-else"' } })
    assert.equal(other.statusCode, 200)
  })

  test('two different schemas under one name fail the build; the same schema twice is one component', () => {
    const route = (schema: Record<string, unknown>) => ({ method: 'GET', url: '/api/v1/x', schema }) as unknown as RouteOptions
    const Thing = named('Thing', Type.Object({ a: Type.String() }))
    const registry = new Map()
    const both = Type.Object({ one: Thing, two: Type.Array(Thing) })
    documentRoute({ response: { 200: both } }, '/api/v1/x', route({}), registry)
    const finished = finishDocument({ paths: {} }, registry) as { components: { schemas: Record<string, unknown> } }
    // Thing once (referenced twice), beside the Problem schema of the generic answers.
    assert.deepEqual(Object.keys(finished.components.schemas), ['FieldError', 'Problem', 'Thing'])
    assert.deepEqual(Object.keys((finished.components.schemas.Thing as { properties: object }).properties), ['a'])
    const Other = named('Thing', Type.Object({ b: Type.Integer() }))
    assert.throws(
      () => documentRoute({ response: { 200: Other } }, '/api/v1/x', route({}), registry),
      /Two different schemas are named "Thing"/,
    )
  })
})
