import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { createPost, createUser } from '../../../test/factories.ts'
import { buildFormsApp, contactForm, createFormVia, goodValues, tokenIn, uniqueSlug, urlencoded } from './forms.testing.ts'

describe('a form embedded in a page by [form:<slug>]', () => {
  test('the form stands in place of the tag with a fresh token for each visitor, the page is never cached, and it posts', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    const form = await createFormVia(testApp, contactForm())
    const author = await createUser(db, { role: 'author' })
    const slug = uniqueSlug('contact-page')
    await createPost(db, author, {
      type: 'page',
      slug,
      body: `Write to us:\n\n[form:${form.slug}]\n\nOr \`[form:${form.slug}]\` stays text in code.`,
      published: true,
    })
    const visit = () => testApp.app.inject({ method: 'GET', url: `/${slug}` })
    const [first, second] = [await visit(), await visit()]
    for (const page of [first, second]) {
      assert.equal(page.statusCode, 200)
      // A render token is used once: a cached copy would make every later visitor's post a "replay".
      assert.equal(page.headers['cache-control'], 'private, no-store')
      assert.equal(page.headers.etag, undefined)
      assert.ok(String(page.headers['surrogate-key']).split(' ').includes(`form:${form.id}`))
      assert.match(page.body, /<p>Write to us:<\/p>\s*<section class="form-embed" aria-label="Contact us">/)
      assert.match(page.body, new RegExp(`<form class="plinth-form" method="post" action="/forms/${form.slug}"`))
      assert.match(page.body, /<label for="field-email">Email/)
      assert.match(page.body, new RegExp(`<code>\\[form:${form.slug}\\]</code>`))
      assert.doesNotMatch(page.body, /data-plinth-form/)
    }
    assert.notEqual(tokenIn(first.body), tokenIn(second.body), 'each visitor gets a token of their own')

    testApp.clock.advance(10_000)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: urlencoded({ ...goodValues, _token: tokenIn(second.body) }),
    })
    assert.equal(post.statusCode, 303)
    const stored = await sql<{ status: string }>`select status from form_submissions where form_id = ${form.id}`.execute(db)
    assert.deepEqual(
      stored.rows.map((row) => row.status),
      ['new'],
    )
  })

  test('an unknown or a closed form shows a short notice, never an error; the page is cached as usual', async (t) => {
    const testApp = await buildFormsApp(t)
    const { db } = testApp.database
    const closed = await createFormVia(testApp, contactForm({ status: 'closed' }))
    const author = await createUser(db, { role: 'author' })
    const cases: [string, string][] = [
      ['no-such-form', 'list:forms'],
      [closed.slug, `form:${closed.id}`],
    ]
    for (const [tag, expectedTag] of cases) {
      const slug = uniqueSlug('post')
      await createPost(db, author, { type: 'post', slug, body: `Before.\n\n[form:${tag}]\n\nAfter.`, published: true })
      const page = await testApp.app.inject({ method: 'GET', url: `/blog/${slug}` })
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /<p class="form-unavailable">This form is not available\.<\/p>/)
      assert.doesNotMatch(page.body, /<form class="plinth-form"/)
      assert.match(String(page.headers['cache-control']), /^public, max-age=/)
      assert.ok(String(page.headers['surrogate-key']).split(' ').includes(expectedTag), String(page.headers['surrogate-key']))
    }
  })
})
