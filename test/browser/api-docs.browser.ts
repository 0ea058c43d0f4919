// The API reference at /api/docs in a real browser (Debian's Chromium through
// playwright-core; `npm run test:browser`): Redoc's bundle, served from this
// site, renders the operations of /api/openapi.json under the site's CSP
// (scripts from 'self' only), with no CSP violation, console error or failed
// request, and its search (a Worker made from a blob) finds an operation.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { testDatabaseKind } from '../db.ts'
import { listenTestApp } from '../listen.ts'
import { launchChromium } from './chromium.ts'

const kind = testDatabaseKind()
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots')

const cleanups: (() => unknown)[] = []
let origin: string
let browser: Browser

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-api-docs-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  ;({ origin } = await listenTestApp(cleanups, { env: { DATA_DIR: dataDir } }))
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  browser = await launchChromium(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/**
 * A new page that records every problem a visitor's console would show: CSP
 * violations (from the document's own `securitypolicyviolation` events, and
 * Chromium's console messages), console errors and warnings, page errors,
 * failed requests and answers ≥ 400.
 */
async function watchedPage(t: test.TestContext): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  t.after(() => page.close())
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
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
  })
  return { page, problems }
}

/** Summaries of operations in the document the page shows (the test reads them; no hard-coded list). */
async function operationSummaries(): Promise<{ summary: string; path: string }[]> {
  const response = await fetch(`${origin}/api/openapi.json`)
  assert.equal(response.status, 200)
  const document = (await response.json()) as { paths: Record<string, Record<string, { summary?: string }>> }
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.values(operations)
      .filter((operation) => operation.summary)
      .map((operation) => ({ summary: operation.summary as string, path })),
  )
}

describe(`the API reference in Chromium (${kind})`, () => {
  test('a browser opening /api lands on /api/docs, which renders the operations with no CSP violation', async (t) => {
    const { page, problems } = await watchedPage(t)
    const response = await page.goto(`${origin}/api`)
    assert.ok(response)
    assert.equal(response.status(), 200)
    assert.equal(new URL(page.url()).pathname, '/api/docs')
    assert.match(String(response.headers()['content-security-policy']), /script-src 'self'(;|$)/)

    const summaries = await operationSummaries()
    assert.ok(summaries.length > 10, 'the document lists the operations')
    // Redoc renders one heading per operation (h2) in the middle column; the first, a middle and the last of the document.
    await page.locator('h2').first().waitFor({ state: 'visible', timeout: 30_000 })
    const headings = await page.locator('h2').allInnerTexts()
    for (const { summary } of [summaries[0], summaries[Math.floor(summaries.length / 2)], summaries.at(-1)] as typeof summaries) {
      assert.ok(headings.includes(summary), `the reference shows the operation "${summary}"`)
    }
    // The sidebar (role menu) lists every operation by its summary.
    const menu = await page.locator('[role="menuitem"]').allInnerTexts()
    for (const { summary } of summaries)
      assert.ok(
        menu.some((item) => item.includes(summary)),
        `the menu lists "${summary}"`,
      )
    await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-api-docs.png`) })
    assert.deepEqual(problems, [], 'the browser reported problems')
  })

  test('the reference’s search (a Worker from a blob) finds an operation by its summary', async (t) => {
    const { page, problems } = await watchedPage(t)
    await page.goto(`${origin}/api/docs`)
    await page.locator('h2').first().waitFor({ state: 'visible', timeout: 30_000 })
    const [operation] = (await operationSummaries()).filter((item) => /post/i.test(item.summary))
    assert.ok(operation, 'an operation about posts')
    const search = page.locator('input[placeholder^="Search"]')
    // Its longest word (Redoc's lunr index matches words and their prefixes).
    const [word] = operation.summary.split(/[^\p{L}\p{N}]+/u).sort((a, b) => b.length - a.length)
    await search.fill(word as string)
    const results = page.locator('[data-role="search:results"]')
    await results.waitFor({ state: 'visible', timeout: 10_000 })
    await page.waitForFunction(
      `document.querySelector('[data-role="search:results"]')?.textContent?.includes(${JSON.stringify(operation.summary)})`,
      undefined,
      { timeout: 10_000 },
    )
    assert.deepEqual(problems, [], 'the browser reported problems')
  })
})
