import assert from 'node:assert/strict'
import { test } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { buildTestApp } from '../../../test/app.ts'
import { createPost, createUser, logIn } from '../../../test/factories.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { parseConfig } from '../config.ts'
import { acceptedEncoding } from './compression.ts'

const CACHE_ON = { env: { RESPONSE_CACHE_MB: '8' } }

/** A title written straight into the table, as no write of the app ever does: only a cache that was read could hide it. */
const retitleWithoutChange = (testApp: Awaited<ReturnType<typeof buildTestApp>>, id: number, title: string) =>
  sql`update posts set title = ${title} where id = ${id}`.execute(testApp.database.db)

/** The first answer of a cacheable route starts the feed; answers are kept once it listens. */
const warm = (testApp: Awaited<ReturnType<typeof buildTestApp>>, url: string) =>
  waitFor('the response cache to keep an answer', async () => {
    assert.equal((await testApp.app.inject({ method: 'GET', url })).statusCode, 200)
    return (testApp.deps.responseCache?.size ?? 0) > 0
  })

test('an anonymous list is answered from memory until a change; a write on this instance clears it before answering', async (t) => {
  const testApp = await buildTestApp(t, CACHE_ON)
  const { app, database } = testApp
  const author = await createUser(database.db, { role: 'editor' })
  const post = await createPost(database.db, author, { title: 'Kept title', published: true })
  const url = `/api/v1/posts?slug=${post.slug}`
  await warm(testApp, url)

  // Written behind the app's back (no change recorded): the kept answer still shows the old title.
  await retitleWithoutChange(testApp, post.id, 'Changed behind its back')
  const kept = await app.inject({ method: 'GET', url })
  assert.equal(kept.statusCode, 200)
  assert.equal(kept.json().data[0].title, 'Kept title')

  // Cache-Control: no-cache asks for a fresh answer (and keeps it for the next caller).
  const revalidated = await app.inject({ method: 'GET', url, headers: { 'cache-control': 'no-cache' } })
  assert.equal(revalidated.json().data[0].title, 'Changed behind its back')
  assert.equal((await app.inject({ method: 'GET', url })).json().data[0].title, 'Changed behind its back')
  await retitleWithoutChange(testApp, post.id, 'Kept title')
  assert.equal((await app.inject({ method: 'GET', url })).json().data[0].title, 'Changed behind its back')

  // A signed-in caller is never answered from the cache.
  const editor = await logIn(app, (await createUser(database.db, { role: 'editor' })).email)
  const fresh = await app.inject({ method: 'GET', url, headers: { cookie: editor.cookie } })
  assert.equal(fresh.json().data[0].title, 'Kept title')
  assert.match(String(fresh.headers['cache-control']), /private, no-store/)

  // A write through this instance: the next anonymous read sees it at once (no waiting for the feed).
  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/posts/${post.id}`,
    headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf },
    payload: { title: 'Written through the API' },
  })
  assert.equal(patched.statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url })).json().data[0].title, 'Written through the API')
})

test("another instance's change reaches this one through the change feed", async (t) => {
  const instanceA = await buildTestApp(t, CACHE_ON)
  const instanceB = await buildTestApp(t, CACHE_ON)
  const author = await createUser(instanceA.database.db, { role: 'editor' })
  const post = await createPost(instanceA.database.db, author, { title: 'Before', published: true })
  const url = `/api/v1/posts/${post.id}`
  await warm(instanceA, url)
  await retitleWithoutChange(instanceA, post.id, 'Unannounced')
  assert.equal((await instanceA.app.inject({ method: 'GET', url })).json().title, 'Before')

  // Instance B writes (the content service records the change and notifies).
  const editor = await logIn(instanceB.app, (await createUser(instanceB.database.db, { role: 'editor' })).email)
  const patched = await instanceB.app.inject({
    method: 'PATCH',
    url,
    headers: { cookie: editor.cookie, 'x-csrf-token': editor.csrf },
    payload: { title: 'Announced' },
  })
  assert.equal(patched.statusCode, 200)
  await waitFor(
    'instance A to hear of the change',
    async () => (await instanceA.app.inject({ method: 'GET', url })).json().title === 'Announced',
  )
})

test('kept answers are sent in the encoding asked for, with the same body, Vary, and 304 for a matching ETag', async (t) => {
  const testApp = await buildTestApp(t, CACHE_ON)
  const { app, database } = testApp
  const author = await createUser(database.db, { role: 'author' })
  for (let i = 0; i < 5; i += 1)
    await createPost(database.db, author, { body: 'A paragraph long enough to compress. '.repeat(20), published: true })
  const url = '/api/v1/posts?limit=5'
  await warm(testApp, url)
  const plain = await app.inject({ method: 'GET', url })
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.match(String(plain.headers['content-type']), /^application\/json/)
  assert.match(String(plain.headers.vary), /Accept-Encoding/i)
  const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } })
  assert.equal(br.headers['content-encoding'], 'br')
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body)
  const gzip = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br;q=0, gzip' } })
  assert.equal(gzip.headers['content-encoding'], 'gzip')
  assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)
  // Per-request headers are made anew for a kept answer.
  assert.notEqual(br.headers['x-request-id'], gzip.headers['x-request-id'])
  assert.ok(br.headers['content-security-policy'])

  const post = plain.json().data[0]
  const one = `/api/v1/posts/${post.id}`
  await warm(testApp, one)
  const first = await app.inject({ method: 'GET', url: one })
  assert.ok(first.headers.etag)
  const notModified = await app.inject({ method: 'GET', url: one, headers: { 'if-none-match': String(first.headers.etag) } })
  assert.equal(notModified.statusCode, 304)
  assert.equal(notModified.body, '')
})

test('only answers that can be shared are kept: errors, other routes and query variants are not mixed up', async (t) => {
  const testApp = await buildTestApp(t, CACHE_ON)
  const { app, database } = testApp
  const author = await createUser(database.db, { role: 'author' })
  const post = await createPost(database.db, author, { published: true })
  await warm(testApp, `/api/v1/posts/${post.id}`)
  const missing = await app.inject({ method: 'GET', url: '/api/v1/posts/999999999' })
  assert.equal(missing.statusCode, 404)
  const size = testApp.deps.responseCache?.size
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/posts/999999999' })).statusCode, 404)
  assert.equal(testApp.deps.responseCache?.size, size, 'a 404 is not kept')
  // A bad query is still a 400 (validation runs on every miss, and a bad URL is never kept).
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/posts?limit=0' })).statusCode, 400)
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/posts?limit=0' })).statusCode, 400)
  const one = await app.inject({ method: 'GET', url: '/api/v1/posts?limit=1' })
  const two = await app.inject({ method: 'GET', url: '/api/v1/posts?limit=2' })
  assert.equal(one.json().data.length, 1)
  assert.ok(two.json().data.length <= 2)
  assert.notEqual(one.body, two.body)
})

test('RESPONSE_CACHE_MB=0 turns the cache off; a bad value is refused at start', async (t) => {
  const testApp = await buildTestApp(t, { env: { RESPONSE_CACHE_MB: '0' } })
  assert.equal(testApp.deps.responseCache, undefined)
  const author = await createUser(testApp.database.db, { role: 'author' })
  const post = await createPost(testApp.database.db, author, { title: 'One', published: true })
  const url = `/api/v1/posts/${post.id}`
  assert.equal((await testApp.app.inject({ method: 'GET', url })).json().title, 'One')
  await retitleWithoutChange(testApp, post.id, 'Two')
  assert.equal((await testApp.app.inject({ method: 'GET', url })).json().title, 'Two')
  assert.throws(() => parseConfig({ RESPONSE_CACHE_MB: 'lots', DATA_DIR: '/tmp' }), /RESPONSE_CACHE_MB must be a whole number/)
})

test('Accept-Encoding: br first, then gzip; q=0 refuses a coding', () => {
  assert.equal(acceptedEncoding(undefined), 'identity')
  assert.equal(acceptedEncoding(''), 'identity')
  assert.equal(acceptedEncoding('gzip, deflate, br'), 'br')
  assert.equal(acceptedEncoding('gzip'), 'gzip')
  assert.equal(acceptedEncoding('br;q=0, gzip;q=0.5'), 'gzip')
  assert.equal(acceptedEncoding('BR; q=0.0, GZIP; q=0'), 'identity')
  assert.equal(acceptedEncoding('*'), 'br')
  assert.equal(acceptedEncoding('deflate, identity'), 'identity')
})
