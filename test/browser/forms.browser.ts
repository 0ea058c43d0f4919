// Forms in a real browser (issue 12, item 2): Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core, with JavaScript off and on. The post/redirect/get flow (303 to the thank-you
// page, a reload does not post again) and the error re-render (422, values kept, an error summary
// linking to each field, aria-describedby) as a browser really does them. `npm run test:browser`.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { sql } from '../../src/core/db/database.ts'
import { createForm } from '../../src/features/forms/forms.service.ts'
import { MIN_FILL_MS } from '../../src/features/forms/forms.spam.ts'
import type { TestApp } from '../app.ts'
import { type TestClock, testClock } from '../clock.ts'
import { listenTestApp } from '../listen.ts'
import { launchChromium } from './chromium.ts'

const cleanups: (() => unknown)[] = []
let testApp: TestApp
let clock: TestClock
let origin: string
let browser: Browser

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-forms-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  // The app's clock stands still: the test moves it past the minimum fill time, never sleeps.
  clock = testClock(new Date())
  ;({ testApp, origin } = await listenTestApp(cleanups, { clock, env: { DATA_DIR: dataDir } }))
  browser = await launchChromium(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

let counter = 0
async function newForm(options: { proofOfWork?: boolean } = {}) {
  const slug = `browser-contact-${process.pid}-${++counter}`
  const form = await createForm(
    testApp.database.db,
    {
      name: 'Contact us',
      slug,
      success_message: 'Thanks, we will write back.',
      ...(options.proofOfWork ? { proof_of_work: true } : {}),
      fields: [
        { name: 'name', label: 'Your name', type: 'text', required: true },
        { name: 'email', label: 'Email', type: 'email', required: true, help: 'We reply to this address.' },
        { name: 'message', label: 'Message', type: 'textarea', required: true, min_length: 5 },
      ],
    },
    clock(),
  )
  return form
}

const stored = async (formId: number) =>
  (
    await sql<{
      status: string
      data: Record<string, unknown>
      spam_reason: string | null
    }>`select status, data, spam_reason from form_submissions where form_id = ${formId} order by id`.execute(testApp.database.db)
  ).rows

for (const javaScriptEnabled of [false, true]) {
  describe(`a contact form with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test('errors re-render with 422: the values kept, a summary linking to each field, messages tied to their fields', async () => {
      const form = await newForm()
      const context = await browser.newContext({ javaScriptEnabled })
      const page = await context.newPage()
      try {
        await page.goto(`${origin}/forms/${form.slug}`)
        await page.getByLabel('Your name').fill('Rosa')
        await page.getByLabel('Email').fill('not an address')
        await page.getByLabel('Message').fill('Hi')
        clock.advance(MIN_FILL_MS + 1000)
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST'),
          page.getByRole('button', { name: 'Send' }).click(),
        ])
        assert.equal(response.status(), 422)
        await page.waitForLoadState()
        assert.equal(await page.getByLabel('Your name').inputValue(), 'Rosa')
        assert.equal(await page.getByLabel('Email').inputValue(), 'not an address')
        const summary = page.getByRole('alert')
        assert.match((await summary.textContent()) ?? '', /Email: must be an email address/)
        assert.match((await summary.textContent()) ?? '', /Message: must be at least 5 characters/)
        assert.equal(await page.getByLabel('Email').getAttribute('aria-describedby'), 'field-email-help field-email-error')
        assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true')
        // The summary's link moves to the field.
        await summary.getByRole('link', { name: /Email/ }).click()
        assert.ok(page.url().endsWith('#field-email'))
        assert.equal((await stored(Number(form.id))).length, 0)

        // Fixed, sent again: post/redirect/get to the thank-you page.
        await page.getByLabel('Email').fill('rosa@example.com')
        await page.getByLabel('Message').fill('Hello there')
        await Promise.all([page.waitForURL(`${origin}/forms/${form.slug}/thanks`), page.getByRole('button', { name: 'Send' }).click()])
        assert.match((await page.getByRole('status').textContent()) ?? '', /Thanks, we will write back\./)
        // A reload of the thank-you page is a GET: nothing is posted twice.
        await page.reload()
        const rows = await stored(Number(form.id))
        assert.deepEqual(
          rows.map((row) => [row.status, row.data]),
          [['new', { name: 'Rosa', email: 'rosa@example.com', message: 'Hello there' }]],
        )
      } finally {
        await context.close()
      }
    })

    test('the honeypot is out of sight and out of the tab order; a person never fills it', async () => {
      const form = await newForm()
      const context = await browser.newContext({ javaScriptEnabled })
      const page = await context.newPage()
      try {
        await page.goto(`${origin}/forms/${form.slug}`)
        const box = await page.locator('#website_url').boundingBox()
        assert.ok(box === null || box.x + box.width < 0, 'the trap is off screen')
        await page.getByLabel('Your name').fill('Rosa')
        await page.getByLabel('Email').fill('rosa@example.com')
        await page.getByLabel('Message').fill('Just tabbing through')
        clock.advance(MIN_FILL_MS + 1000)
        await Promise.all([
          page.waitForURL(`${origin}/forms/${form.slug}/thanks`),
          page
            .getByLabel('Message')
            .press('Tab')
            .then(() => page.keyboard.press('Enter')),
        ])
        assert.equal((await stored(Number(form.id)))[0]?.status, 'new', 'Tab skips the trap, so the submission is not spam')
      } finally {
        await context.close()
      }
    })
  })
}

// Proof of work (ALTCHA) under the site's own CSP (script-src 'self', style-src 'self', no worker-src): the widget's
// external build, its stylesheet and its SHA worker are files on this site, so nothing is blocked (decision 0021).
describe('a form with proof of work', () => {
  test('with JavaScript on, the widget solves the challenge in workers from this site and the submission is accepted; no CSP violation, no console error', async () => {
    const form = await newForm({ proofOfWork: true })
    const context = await browser.newContext({ javaScriptEnabled: true })
    const page = await context.newPage()
    const problems: string[] = []
    await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP violation: ${text}`))
    // Runs before the page's own scripts, outside its CSP (a DevTools init script).
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
      window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ')'))`)
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}: ${request.failure()?.errorText}`))
    page.on('response', (response) => {
      if (response.status() >= 400 && response.request().method() === 'GET') problems.push(`HTTP ${response.status()}: ${response.url()}`)
    })
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))
    try {
      const response = await page.goto(`${origin}/forms/${form.slug}`)
      assert.match(String(response?.headers()['content-security-policy']), /script-src 'self'/)
      await page.getByLabel('Your name').fill('Rosa')
      await page.getByLabel('Email').fill('rosa@example.com')
      await page.getByLabel('Message').fill('Hello from a browser that did the work')
      // The visitor ticks the widget's box; it solves in its workers and fills the hidden `_altcha` field.
      await page.locator('altcha-widget').getByText("I'm not a robot").click()
      await page.locator('altcha-widget [data-state="verified"]').waitFor({ timeout: 30_000 })
      assert.notEqual(await page.locator('input[name="_altcha"]').inputValue(), '', 'the solution is in the form')
      assert.ok(workers.length > 0, 'the widget started workers')
      for (const url of workers)
        assert.match(url, new RegExp(`^${origin}/forms/altcha-sha\\.[0-9a-f]{12}\\.js$`), 'a worker from this site')
      clock.advance(MIN_FILL_MS + 1000)
      await Promise.all([page.waitForURL(`${origin}/forms/${form.slug}/thanks`), page.getByRole('button', { name: 'Send' }).click()])
      const rows = await stored(Number(form.id))
      assert.deepEqual(
        rows.map((row) => [row.status, row.spam_reason]),
        [['new', null]],
        'the solution is accepted: not spam',
      )
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
    }
  })

  test('with JavaScript off, the page says why and the message is kept for review as spam (pow_missing)', async () => {
    const form = await newForm({ proofOfWork: true })
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    try {
      await page.goto(`${origin}/forms/${form.slug}`)
      assert.match((await page.locator('form.plinth-form').textContent()) ?? '', /needs JavaScript/)
      await page.getByLabel('Your name').fill('Rosa')
      await page.getByLabel('Email').fill('rosa@example.com')
      await page.getByLabel('Message').fill('No scripts here')
      clock.advance(MIN_FILL_MS + 1000)
      await Promise.all([page.waitForURL(`${origin}/forms/${form.slug}/thanks`), page.getByRole('button', { name: 'Send' }).click()])
      assert.deepEqual(
        (await stored(Number(form.id))).map((row) => [row.status, row.spam_reason]),
        [['spam', 'pow_missing']],
      )
    } finally {
      await context.close()
    }
  })
})
