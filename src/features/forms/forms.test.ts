import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildFormsApp, contactForm, createFormVia, goodValues, tokenFor, tokenIn, uniqueSlug, urlencoded } from './forms.testing.ts'

const submissionsOf = async (db: Parameters<typeof sql.raw>[0] extends never ? never : import('#core/db/database.ts').Db, formId: number) =>
  (
    await sql<{ id: number; status: string; spam_reason: string | null; data: Record<string, unknown>; form_version: number; ip: string }>`
      select id, status, spam_reason, data, form_version, ip from form_submissions where form_id = ${formId} order by id`.execute(db)
  ).rows

describe('form definitions', () => {
  test('an editor creates, reads, changes and deletes a form; each change is a new version', async (t) => {
    const testApp = await buildFormsApp(t)
    const created = await createFormVia(testApp, contactForm())
    assert.equal(created.version, 1)
    const read = await testApp.app.inject({ method: 'GET', url: `/api/v1/forms/${created.id}`, headers: testApp.editor })
    assert.equal(read.statusCode, 200)
    assert.equal(read.json().fields.length, 5)
    const changed = await testApp.app.inject({
      method: 'PATCH',
      url: `/api/v1/forms/${created.id}`,
      headers: testApp.editor,
      payload: { name: 'Write to us', status: 'closed' },
    })
    assert.equal(changed.statusCode, 200, changed.body)
    assert.equal(changed.json().version, 2)
    assert.equal(changed.json().name, 'Write to us')
    const versions = await sql<{ version: number; definition: { name: string } }>`
      select version, definition from form_versions where form_id = ${created.id} order by version`.execute(testApp.database.db)
    assert.deepEqual(
      versions.rows.map((row) => [row.version, row.definition.name]),
      [
        [1, 'Contact us'],
        [2, 'Write to us'],
      ],
    )
    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/forms?limit=100', headers: testApp.editor })
    assert.ok(list.json().data.some((form: { id: number }) => form.id === created.id))
    const deleted = await testApp.app.inject({ method: 'DELETE', url: `/api/v1/forms/${created.id}`, headers: testApp.editor })
    assert.equal(deleted.statusCode, 204)
    const gone = await testApp.app.inject({ method: 'GET', url: `/api/v1/forms/${created.id}`, headers: testApp.editor })
    assert.equal(gone.statusCode, 404)
  })

  test('authors and anonymous callers may not manage forms', async (t) => {
    const testApp = await buildFormsApp(t, { role: 'author' })
    const asAuthor = await testApp.app.inject({ method: 'POST', url: '/api/v1/forms', headers: testApp.editor, payload: contactForm() })
    assert.equal(asAuthor.statusCode, 403)
    const anonymous = await testApp.app.inject({ method: 'GET', url: '/api/v1/forms' })
    assert.equal(anonymous.statusCode, 401)
  })

  const badDefinitions: [string, Record<string, unknown>, string][] = [
    [
      'a repeated field name',
      {
        fields: [
          { name: 'a', label: 'A', type: 'text' },
          { name: 'a', label: 'B', type: 'text' },
        ],
      },
      'fields.1.name',
    ],
    ['a choice field without options', { fields: [{ name: 'a', label: 'A', type: 'select' }] }, 'fields.0.options'],
    ['options on a text field', { fields: [{ name: 'a', label: 'A', type: 'text', options: ['x'] }] }, 'fields.0.options'],
    ['a back-reference (not RE2)', { fields: [{ name: 'a', label: 'A', type: 'text', pattern: '(a)\\1' }] }, 'fields.0.pattern'],
    ['a look-ahead (not RE2)', { fields: [{ name: 'a', label: 'A', type: 'text', pattern: '(?=a)a' }] }, 'fields.0.pattern'],
    ['an invalid pattern', { fields: [{ name: 'a', label: 'A', type: 'text', pattern: '[' }] }, 'fields.0.pattern'],
    ['a pattern on a number', { fields: [{ name: 'a', label: 'A', type: 'number', pattern: '\\d' }] }, 'fields.0.pattern'],
    ['min above max', { fields: [{ name: 'a', label: 'A', type: 'number', min: 5, max: 1 }] }, 'fields.0.min'],
    ['a file field without accept', { fields: [{ name: 'a', label: 'A', type: 'file' }] }, 'fields.0.accept'],
    ['accept on a text field', { fields: [{ name: 'a', label: 'A', type: 'text', accept: ['application/pdf'] }] }, 'fields.0.accept'],
    ['an unknown field type', { fields: [{ name: 'a', label: 'A', type: 'password' }] }, 'fields.0.type'],
    ['the honeypot’s name', { fields: [{ name: 'website_url', label: 'A', type: 'text' }] }, 'fields.0.name'],
    ['a name with capitals', { fields: [{ name: 'Name', label: 'A', type: 'text' }] }, 'fields.0.name'],
    ['an off-site redirect', { redirect_path: '//evil.example/x' }, 'redirect_path'],
    ['an absolute redirect URL', { redirect_path: 'https://evil.example/' }, 'redirect_path'],
    ['a bad notify address', { notify_emails: ['not an address'] }, 'notify_emails.0'],
    ['no fields', { fields: [] }, 'fields'],
    ['retention of 0 days', { retention_days: 0 }, 'retention_days'],
  ]
  for (const [name, patch, field] of badDefinitions) {
    test(`a definition with ${name} is a 400 naming ${field}, and nothing is written`, async (t) => {
      const testApp = await buildFormsApp(t)
      const body = { ...contactForm(), ...patch }
      const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/forms', headers: testApp.editor, payload: body })
      assert.equal(response.statusCode, 400, response.body)
      assert.ok(
        (response.json().errors as { field: string }[]).some((error) => error.field === field || error.field.startsWith(`${field}.`)),
        `${field} in ${response.body}`,
      )
      const stored = await sql`select 1 from forms where slug = ${body.slug}`.execute(testApp.database.db)
      assert.equal(stored.rows.length, 0)
    })
  }

  test('a slug another form has is a 409 naming slug', async (t) => {
    const testApp = await buildFormsApp(t)
    const first = await createFormVia(testApp, contactForm())
    const again = await testApp.app.inject({
      method: 'POST',
      url: '/api/v1/forms',
      headers: testApp.editor,
      payload: contactForm({ slug: first.slug }),
    })
    assert.equal(again.statusCode, 409)
    assert.equal(again.json().errors[0].field, 'slug')
  })
})

describe('public submission (no JavaScript)', () => {
  test('GET shows the form; POST answers 303 to the thank-you page; the submission is stored with the form version', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm({ success_message: 'We will write back soon.' }))
    const page = await testApp.app.inject({ method: 'GET', url: `/forms/${form.slug}` })
    assert.equal(page.statusCode, 200)
    assert.equal(page.headers['cache-control'], 'no-store')
    assert.match(page.body, /<label for="field-email">Email/)
    assert.match(page.body, /aria-describedby="field-email-help"/)
    testApp.clock.advance(10_000)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ ...goodValues, _token: tokenIn(page.body), website_url: '', unknown_field: 'dropped' }),
    })
    assert.equal(post.statusCode, 303, post.body)
    assert.equal(post.headers.location, `/forms/${form.slug}/thanks`)
    const thanks = await testApp.app.inject({ method: 'GET', url: post.headers.location as string })
    assert.equal(thanks.statusCode, 200)
    assert.match(thanks.body, /We will write back soon\./)
    const [stored] = await submissionsOf(testApp.database.db, form.id)
    assert.equal(stored?.status, 'new')
    assert.equal(stored?.form_version, 1)
    assert.deepEqual(stored?.data, {
      name: 'Rosa',
      email: 'rosa@example.com',
      topic: 'Sales',
      message: 'Hello there, a question.',
      consent: true,
    })
  })

  test('errors re-render the form with 422, the values kept and a message per field; nothing is stored', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const page = await testApp.app.inject({ method: 'GET', url: `/forms/${form.slug}` })
    testApp.clock.advance(10_000)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ name: 'Rosa <b>', email: 'not-an-address', message: 'Hi', _token: tokenIn(page.body) }),
    })
    assert.equal(post.statusCode, 422)
    assert.match(post.body, /role="alert"/)
    assert.match(post.body, /value="Rosa &lt;b&gt;"/, 'the value is kept, escaped')
    assert.match(post.body, /id="field-email-error">must be an email address/)
    assert.match(post.body, /id="field-message-error">must be at least 5 characters/)
    assert.match(post.body, /id="field-consent-error">must be accepted/)
    assert.match(post.body, /aria-describedby="field-email-help field-email-error"/)
    assert.equal((await submissionsOf(testApp.database.db, form.id)).length, 0)
    // The same token works once the fields are right.
    const fixed = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ ...goodValues, _token: tokenIn(post.body) }),
    })
    assert.equal(fixed.statusCode, 303)
    assert.equal((await submissionsOf(testApp.database.db, form.id))[0]?.status, 'new')
  })

  test('a closed form answers 410; an unknown one 404', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm({ status: 'closed' }))
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/forms/${form.slug}` })).statusCode, 410)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded(goodValues),
    })
    assert.equal(post.statusCode, 410)
    const api = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${form.slug}/submissions`, payload: goodValues })
    assert.equal(api.statusCode, 410)
    assert.equal(api.json().code, 'form_closed')
    assert.equal((await testApp.app.inject({ method: 'GET', url: `/forms/${uniqueSlug('nope')}` })).statusCode, 404)
  })

  test('a form with a redirect path sends the visitor there', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm({ redirect_path: '/thank-you' }))
    const token = await tokenFor(testApp, form.slug)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ ...goodValues, _token: token }),
    })
    assert.equal(post.statusCode, 303)
    assert.equal(post.headers.location, '/thank-you')
  })
})

describe('a signed-in editor on the public form', () => {
  test('posts it without a CSRF token, as any visitor: the session is not read (303, stored); the API submit too (201)', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    // The editor's browser sends the session cookie with every request, and the form page has no CSRF token.
    const cookie = { cookie: testApp.editor.cookie as string }
    const page = await testApp.app.inject({ method: 'GET', url: `/forms/${form.slug}`, headers: cookie })
    testApp.clock.advance(10_000)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { ...cookie, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: urlencoded({ ...goodValues, _token: tokenIn(page.body) }),
    })
    assert.equal(post.statusCode, 303, post.body)
    const tokens = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${form.slug}/tokens`, headers: cookie })
    assert.equal(tokens.statusCode, 201, tokens.body)
    testApp.clock.advance(10_000)
    const api = await testApp.app.inject({
      method: 'POST',
      url: `/api/v1/forms/${form.slug}/submissions`,
      headers: cookie,
      payload: { ...goodValues, _token: tokens.json().token },
    })
    assert.equal(api.statusCode, 201, api.body)
    assert.deepEqual(
      (await submissionsOf(testApp.database.db, form.id)).map((row) => row.status),
      ['new', 'new'],
    )
    // Writes that act for the editor still need the token.
    const patch = await testApp.app.inject({ method: 'PATCH', url: `/api/v1/forms/${form.id}`, headers: cookie, payload: { name: 'X' } })
    assert.equal(patch.statusCode, 403)
    assert.equal(patch.json().code, 'csrf_token_missing')
  })

  test('the API submit from a browser on another origin is still refused (403 origin_not_allowed), cookie or not', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    for (const headers of [{ cookie: testApp.editor.cookie as string }, {}]) {
      const api = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        headers: { ...headers, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        payload: { ...goodValues, _token: 'x' },
      })
      assert.equal(api.statusCode, 403)
      assert.equal(api.json().code, 'origin_not_allowed')
    }
    assert.equal((await submissionsOf(testApp.database.db, form.id)).length, 0)
  })
})

describe('spam traps', () => {
  const spamCases: [
    string,
    (testApp: Awaited<ReturnType<typeof buildFormsApp>>, slug: string) => Promise<Record<string, string>>,
    string,
  ][] = [
    [
      'the honeypot filled in',
      async (testApp, slug) => ({ _token: await tokenFor(testApp, slug), website_url: 'http://spam.example' }),
      'honeypot',
    ],
    ['no token', async () => ({}), 'token_missing'],
    ['a forged token', async (testApp, slug) => ({ _token: `${(await tokenFor(testApp, slug)).slice(0, -4)}AAAA` }), 'token_invalid'],
    ['a token sent at once (too fast)', async (testApp, slug) => ({ _token: await tokenFor(testApp, slug, { wait: false }) }), 'too_fast'],
    [
      'a token two days old',
      async (testApp, slug) => {
        const token = await tokenFor(testApp, slug)
        testApp.clock.advance(2 * 24 * 60 * 60 * 1000)
        return { _token: token }
      },
      'too_old',
    ],
  ]
  for (const [name, extra, reason] of spamCases) {
    test(`${name}: stored as spam (${reason}), no mail queued, and the visitor sees the normal thank-you`, async (t) => {
      const testApp = await buildFormsApp(t)
      const form = await createFormVia(testApp, contactForm({ notify_emails: ['owner@example.com'] }))
      const values = { ...goodValues, ...(await extra(testApp, form.slug)) }
      const post = await testApp.app.inject({
        method: 'POST',
        url: `/forms/${form.slug}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: urlencoded(values),
      })
      assert.equal(post.statusCode, 303)
      assert.equal(post.headers.location, `/forms/${form.slug}/thanks`)
      const [stored] = await submissionsOf(testApp.database.db, form.id)
      assert.equal(stored?.status, 'spam')
      assert.equal(stored?.spam_reason, reason)
      const mails =
        await sql`select 1 from jobs where name = 'mail.send' and payload->>'to' = 'owner@example.com' and payload->'data'->>'url' like ${`%/forms/${form.id}/submissions/%`}`.execute(
          testApp.database.db,
        )
      assert.equal(mails.rows.length, 0)
    })
  }

  test('a replayed token: the first post is accepted, the second stored as spam (replayed), both answered alike', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm())
    const token = await tokenFor(testApp, form.slug)
    for (const expected of ['new', 'spam']) {
      const post = await testApp.app.inject({
        method: 'POST',
        url: `/api/v1/forms/${form.slug}/submissions`,
        payload: { ...goodValues, _token: token },
      })
      assert.equal(post.statusCode, 201)
      assert.equal((await submissionsOf(testApp.database.db, form.id)).at(-1)?.status, expected)
    }
    assert.equal((await submissionsOf(testApp.database.db, form.id))[1]?.spam_reason, 'replayed')
  })

  test('a token of another form is forged', async (t) => {
    const testApp = await buildFormsApp(t)
    const one = await createFormVia(testApp, contactForm())
    const other = await createFormVia(testApp, contactForm())
    const token = await tokenFor(testApp, other.slug)
    await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${one.slug}/submissions`, payload: { ...goodValues, _token: token } })
    assert.equal((await submissionsOf(testApp.database.db, one.id))[0]?.spam_reason, 'token_invalid')
  })
})
