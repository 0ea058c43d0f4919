import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Challenge, solveChallenge } from 'altcha-lib'
import { deriveKey } from 'altcha-lib/algorithms/sha'
import { sql } from '#core/db/database.ts'
import { MIN_FILL_MS } from './forms.spam.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp, goodValues, tokenIn } from './forms.testing.ts'

const jsonValues = { ...goodValues, consent: true }

/** A token and its challenge from the public API (as a headless front end or the widget gets them). */
async function challengeFor(testApp: FormsTestApp, slug: string) {
  const response = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${slug}/tokens` })
  assert.equal(response.statusCode, 201, response.body)
  testApp.clock.advance(MIN_FILL_MS + 2000)
  return response.json() as { token: string; altcha: Challenge | null }
}

/** Solves a challenge as the browser's widget does (altcha-lib's own solver); the payload the widget sends. */
async function solve(challenge: Challenge) {
  const solution = await solveChallenge({ challenge, deriveKey })
  assert.ok(solution, 'solved')
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64')
}

describe('proof of work (ALTCHA) on a form that asks for it', () => {
  test('a solved challenge is accepted; none, a forged one or one of another token is stored as spam, answered alike', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm({ proof_of_work: true }))
    const submit = (body: Record<string, unknown>) =>
      testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${form.slug}/submissions`, payload: { ...jsonValues, ...body } })

    const good = await challengeFor(testApp, form.slug)
    assert.ok(good.altcha, 'the token comes with a challenge')
    const solved = await solve(good.altcha)
    assert.equal((await submit({ _token: good.token, _altcha: solved })).statusCode, 201)

    const missing = await challengeFor(testApp, form.slug)
    assert.equal((await submit({ _token: missing.token })).statusCode, 201)

    // A made-up solution of the right challenge: a key the solver did not find (the server signed the right one only).
    const another = await challengeFor(testApp, form.slug)
    const forged = { challenge: another.altcha, solution: { counter: 7, derivedKey: '00'.repeat(32) } }
    assert.equal((await submit({ _token: another.token, _altcha: Buffer.from(JSON.stringify(forged)).toString('base64') })).statusCode, 201)

    // A solution is bound to the token it came with: solved once, it does not carry another token.
    const second = await challengeFor(testApp, form.slug)
    assert.equal((await submit({ _token: second.token, _altcha: solved })).statusCode, 201)
    const third = await challengeFor(testApp, form.slug)
    assert.equal((await submit({ _token: third.token, _altcha: 'not base64 json' })).statusCode, 201)

    const stored = await sql<{ status: string; spam_reason: string | null }>`
      select status, spam_reason from form_submissions where form_id = ${form.id} order by id`.execute(testApp.database.db)
    assert.deepEqual(
      stored.rows.map((row) => [row.status, row.spam_reason]),
      [
        ['new', null],
        ['spam', 'pow_missing'],
        ['spam', 'pow_invalid'],
        ['spam', 'pow_invalid'],
        ['spam', 'pow_invalid'],
      ],
    )
  })

  test('the form page carries the widget, served from this site, and a challenge for its own token; a form without it has none', async (t) => {
    const testApp = await buildFormsApp(t)
    const form = await createFormVia(testApp, contactForm({ proof_of_work: true }))
    const page = await testApp.app.inject({ method: 'GET', url: `/forms/${form.slug}` })
    assert.equal(page.statusCode, 200)
    const script = /<script type="module" src="(\/forms\/altcha\.[0-9a-f]{12}\.js)"><\/script>/.exec(page.body)?.[1]
    assert.ok(script, 'the widget script is a URL on this site')
    const widget = await testApp.app.inject({ method: 'GET', url: script })
    assert.equal(widget.statusCode, 200)
    assert.match(String(widget.headers['content-type']), /^text\/javascript/)
    assert.match(String(widget.headers['cache-control']), /immutable/)
    // The external build (no inline <style>, no blob: workers): its stylesheet and its SHA worker are files here too.
    const worker = /new Worker\("(\/forms\/altcha-sha\.[0-9a-f]{12}\.js)"\)/.exec(widget.body)?.[1]
    assert.ok(worker, 'the script registers a worker served from this site')
    const workerFile = await testApp.app.inject({ method: 'GET', url: worker })
    assert.equal(workerFile.statusCode, 200)
    assert.match(String(workerFile.headers['content-type']), /^text\/javascript/)
    const style = /<link rel="stylesheet" href="(\/forms\/altcha\.[0-9a-f]{12}\.css)">/.exec(page.body)?.[1]
    assert.ok(style, 'the widget stylesheet is a URL on this site')
    const css = await testApp.app.inject({ method: 'GET', url: style })
    assert.equal(css.statusCode, 200)
    assert.match(String(css.headers['content-type']), /^text\/css/)
    assert.match(String(css.headers['cache-control']), /immutable/)
    const attribute = /<altcha-widget challenge="([^"]+)" name="_altcha"><\/altcha-widget>/.exec(page.body)?.[1]
    assert.ok(attribute)
    const challenge = JSON.parse(attribute.replaceAll('&quot;', '"')) as Challenge
    // The page's form posts with its token and the solution of its challenge: accepted.
    testApp.clock.advance(10_000)
    const post = await testApp.app.inject({
      method: 'POST',
      url: `/forms/${form.slug}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...goodValues, _token: tokenIn(page.body), _altcha: await solve(challenge) }).toString(),
    })
    assert.equal(post.statusCode, 303)
    const stored = await sql<{ status: string }>`select status from form_submissions where form_id = ${form.id}`.execute(
      testApp.database.db,
    )
    assert.deepEqual(
      stored.rows.map((row) => row.status),
      ['new'],
    )

    const plain = await createFormVia(testApp, contactForm())
    const plainPage = await testApp.app.inject({ method: 'GET', url: `/forms/${plain.slug}` })
    assert.doesNotMatch(plainPage.body, /altcha/)
    const tokens = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${plain.slug}/tokens` })
    assert.equal(tokens.json().altcha, null)
  })
})
