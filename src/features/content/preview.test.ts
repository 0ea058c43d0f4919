import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { testClock } from '../../../test/clock.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'
import { MAX_BODY_LENGTH } from './content.schemas.ts'
import { PREVIEW_LIMIT } from './preview.routes.ts'

async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const { cookie, csrf } = await logIn(testApp.app, user.email)
  return { user, headers: { cookie, 'x-csrf-token': csrf } }
}

const preview = (testApp: TestApp, headers: Record<string, string>, payload: unknown) =>
  testApp.app.inject({
    method: 'POST',
    url: '/api/v1/preview',
    headers: { ...headers, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  })

const MARKDOWN = [
  '# Title',
  '',
  'Some *emphasis*, a [link](https://example.org), a [bad one](javascript:alert(1)) and <script>alert(2)</script>.',
  '',
  '| a | b |',
  '|--:|---|',
  '| 1 | 2 |',
  '',
  'Note[^1]',
  '',
  '[^1]: A footnote.',
].join('\n')

describe('POST /api/v1/preview', () => {
  test('renders Markdown exactly as a save stores it, and saves nothing', async (t) => {
    const testApp = await buildTestApp(t)
    const author = await signedIn(testApp, 'author')
    const response = await preview(testApp, author.headers, { body: MARKDOWN })
    assert.equal(response.statusCode, 200, response.body)
    const { body_html } = response.json()
    assert.match(body_html, /<h1 id="title">Title<\/h1>/)
    assert.match(body_html, /<a href="https:\/\/example.org">link<\/a>/)
    assert.doesNotMatch(body_html, /href="javascript|<script/)
    assert.match(body_html, /&lt;script&gt;/)
    assert.match(body_html, /class="align-right"/)

    const saved = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/posts',
      headers: author.headers,
      payload: { title: 'Same body', body: MARKDOWN },
    })
    assert.equal(saved.statusCode, 201, saved.body)
    assert.equal(saved.json().body_html, body_html)
    const mine = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/posts?author=${author.user.id}&include_total=true`,
      headers: author.headers,
    })
    assert.equal(mine.json().total, 1, 'the preview saved no post')

    const empty = await preview(testApp, author.headers, { body: '' })
    assert.equal(empty.statusCode, 200, empty.body)
    assert.equal(empty.json().body_html, '')
  })

  test('writers only, with the CSRF token; bad bodies are 400s naming the field', async (t) => {
    const testApp = await buildTestApp(t)
    const member = await signedIn(testApp, 'member')
    const editor = await signedIn(testApp, 'editor')
    assert.equal((await preview(testApp, {}, { body: 'x' })).statusCode, 401)
    assert.equal((await preview(testApp, member.headers, { body: 'x' })).statusCode, 403)
    const noCsrf = await preview(testApp, { cookie: editor.headers.cookie }, { body: 'x' })
    assert.equal(noCsrf.statusCode, 403, noCsrf.body)

    for (const [payload, field] of [
      [{ body: 'x'.repeat(MAX_BODY_LENGTH + 1) }, '/body'],
      [{ body: 42 }, '/body'],
      [{}, 'body'],
      [{ body: 'x', title: 'no such field' }, 'title'],
    ] as const) {
      const response = await preview(testApp, editor.headers, payload)
      assert.equal(response.statusCode, 400, response.body)
      const problem = response.json()
      assert.equal(problem.code, 'validation_failed')
      assert.ok(
        problem.errors.some((error: { field: string }) => error.field.includes(field.replace('/', ''))),
        `${JSON.stringify(problem.errors)} names ${field}`,
      )
    }
    const longest = await preview(testApp, editor.headers, { body: 'x'.repeat(MAX_BODY_LENGTH) })
    assert.equal(longest.statusCode, 200)
    const notJson = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/preview',
      headers: { ...editor.headers, 'content-type': 'application/json' },
      payload: '{"body": ',
    })
    assert.equal(notJson.statusCode, 400)
  })

  test(`at most ${PREVIEW_LIMIT.limit} previews a minute per writer, then 429 for a minute (Retry-After: the seconds left); others are not held up`, async (t) => {
    const clock = testClock('2026-03-14T10:00:00Z')
    const testApp = await buildTestApp(t, { clock })
    const busy = await signedIn(testApp, 'author')
    const other = await signedIn(testApp, 'author')
    for (let i = 0; i < PREVIEW_LIMIT.limit; i++) {
      const response = await preview(testApp, busy.headers, { body: `line ${i}` })
      assert.equal(response.statusCode, 200, `preview ${i + 1}: ${response.body}`)
    }
    const refused = await preview(testApp, busy.headers, { body: 'one more' })
    assert.equal(refused.statusCode, 429, refused.body)
    assert.equal(refused.json().code, 'too_many_requests')
    assert.equal(refused.headers['retry-after'], '60', 'refused as the lock begins: all of it')
    assert.equal((await preview(testApp, other.headers, { body: 'me' })).statusCode, 200)

    const lockEnds = clock().getTime() + PREVIEW_LIMIT.lockMs
    clock.set(new Date(lockEnds - 30_000))
    assert.equal((await preview(testApp, busy.headers, { body: 'half-way' })).headers['retry-after'], '30')
    clock.set(new Date(lockEnds - 1000))
    const last = await preview(testApp, busy.headers, { body: 'a second before the end' })
    assert.deepEqual([last.statusCode, last.headers['retry-after']], [429, '1'])
    clock.set(new Date(lockEnds))
    assert.equal((await preview(testApp, busy.headers, { body: 'later' })).statusCode, 200)
  })
})
