// The admin UI's browser-test harness (issue 13; admin/README.md "Testing a screen").
// One app per test file (listenTestApp, PGlite or PostgreSQL as TEST_DB says), Debian's
// Chromium, and per page: console errors, uncaught errors and CSP violations collected
// (a test fails on any), axe-core on demand (fails on serious or critical violations),
// screenshots at 1280 and 390 px wide under test-results/admin/<screen>-<width>.png.
//
//   const admin = await startAdmin(cleanups)
//   const user = await admin.user('admin')
//   const tab = await admin.page()
//   await admin.signIn(tab.page, user.email)
//   await admin.check(tab, 'dashboard')   // axe at both widths + screenshots + no console/CSP errors
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ADMIN_DIST_DIR } from '../../../src/features/admin-ui/manifest.ts'
import type { Role } from '../../../src/features/users/users.schemas.ts'
import type { TestApp } from '../../app.ts'
import { type TestClock, testClock } from '../../clock.ts'
import { createUser, TEST_PASSWORD } from '../../factories.ts'
import { listenTestApp } from '../../listen.ts'
import { launchChromium } from '../chromium.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const SCREENSHOT_DIR = path.join(root, 'test-results/admin')
export const WIDTHS = [1280, 390] as const
const AXE_SOURCE = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8')

/** A browser tab with what went wrong in it so far. */
export type AdminTab = {
  page: Page
  context: BrowserContext
  /** Console errors, uncaught exceptions, CSP violations, server errors and missing files (404 outside /api/), in order. */
  problems: string[]
}

export type AdminHarness = {
  testApp: TestApp
  origin: string
  browser: Browser
  clock: TestClock
  /** A verified user with TEST_PASSWORD. */
  user: (role: Role, options?: { name?: string }) => Promise<{ id: number; email: string; name: string; role: Role }>
  /** A new tab in its own context (no shared cookies), 1280 px wide. */
  page: () => Promise<AdminTab>
  /** Signs in through the sign-in screen and waits for the dashboard (or `expectPath`). */
  signIn: (page: Page, email: string, password?: string) => Promise<void>
  /** axe-core at both widths, a screenshot at each, and no console/CSP errors so far. */
  check: (tab: AdminTab, screen: string) => Promise<void>
}

/**
 * The built admin must be at least as new as its sources (the app serves
 * dist/admin/; `npm run build:admin` after editing admin/).
 */
function assertAdminBuilt() {
  const manifest = path.join(ADMIN_DIST_DIR, 'manifest.json')
  assert.ok(fs.existsSync(manifest), 'dist/admin is not built: run `npm run build:admin`')
  const built = fs.statSync(manifest).mtimeMs
  const sources = fs.readdirSync(path.join(root, 'admin'), { recursive: true, encoding: 'utf8' })
  const stale = sources.filter((file) => /\.(tsx?|css)$/.test(file) && fs.statSync(path.join(root, 'admin', file)).mtimeMs > built)
  assert.deepEqual(stale, [], 'admin/ changed after the last build: run `npm run build:admin`')
}

/**
 * Starts the app (on a controlled clock) and Chromium for one test file; both end with `cleanups`.
 * `privateDatabase`: a database of its own (a site without an administrator, for the setup link).
 */
export async function startAdmin(
  cleanups: (() => unknown)[],
  options: { env?: Record<string, string>; clock?: TestClock; privateDatabase?: boolean } = {},
): Promise<AdminHarness> {
  assertAdminBuilt()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-admin-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const clock = options.clock ?? testClock(new Date())
  const { testApp, origin } = await listenTestApp(cleanups, {
    clock,
    env: { DATA_DIR: dataDir, ...options.env },
    privateDatabase: options.privateDatabase ?? false,
  })
  const browser = await launchChromium(cleanups)
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })

  const harness: AdminHarness = {
    testApp,
    origin,
    browser,
    clock,
    async user(role, options = {}) {
      const row = await createUser(testApp.database.db, { role, verified: true, name: options.name ?? `Test ${role}` })
      return { id: row.id, email: row.email, name: row.name, role: row.role }
    },
    async page() {
      const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: 900 } })
      cleanups.push(() => context.close())
      const page = await context.newPage()
      const problems: string[] = []
      page.on('console', (message) => {
        // Chromium logs every 4xx/5xx fetch as "Failed to load resource": answers are judged below instead
        // (an API's 401 or 422 is the app's business; a server error or a missing asset is not).
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`)
      })
      page.on('response', (response) => {
        const url = new URL(response.url())
        if (response.status() >= 500 || (response.status() === 404 && !url.pathname.startsWith('/api/'))) {
          problems.push(`HTTP ${response.status()}: ${response.request().method()} ${url.pathname}`)
        }
      })
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
      // A CSP violation is also a console error in Chromium; the event names the directive and the blocked URI.
      await page.exposeFunction('__plinthCspViolation', (text: string) => problems.push(`CSP: ${text}`))
      // (Page scripts as strings: the tests' tsconfig has no DOM types.)
      await context.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
        window.__plinthCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber)
      })`)
      return { page, context, problems }
    },
    async signIn(page, email, password = TEST_PASSWORD) {
      await page.goto(`${origin}/admin/sign-in`)
      await page.getByLabel('Email').fill(email)
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
    },
    async check(tab, screen) {
      const { page } = tab
      const viewport = page.viewportSize() ?? { width: WIDTHS[0], height: 900 }
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
        await assertAccessible(page, `${screen} at ${width} px`)
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${screen}-${width}.png`), fullPage: true })
      }
      await page.setViewportSize(viewport)
      assertNoProblems(tab, screen)
    },
  }
  return harness
}

/**
 * An editor's leave guard (admin/ui/leave-guard.tsx) as a user meets it. The tab shows the editor,
 * opened from its list by a link (so Back leads there). `edit` makes a change without saving it,
 * `edited` tells whether the form shows it, `save` saves and waits until it is saved; `away` is a
 * sidebar link elsewhere with its screen's heading. Checks, in order: a sidebar link asks (axe on
 * the question, a screenshot `<screen>.png`), and Cancel keeps the edits and the address; Back
 * asks, Cancel keeps both, and Leave goes back to the list; Forward opens the editor afresh; a
 * sidebar link asks, Leave goes; a saved editor leaves without asking.
 */
export async function assertLeaveGuard(
  tab: AdminTab,
  screen: string,
  editor: {
    heading: string | RegExp
    listHeading: string | RegExp
    away: { link: string; heading: string | RegExp }
    edit: () => Promise<void>
    edited: () => Promise<boolean>
    save: () => Promise<void>
  },
) {
  const { page } = tab
  const editorUrl = page.url()
  const question = page.getByRole('dialog', { name: 'Leave without saving?' })
  const sidebarLink = page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: editor.away.link, exact: true })
  const editorHeading = page.getByRole('heading', { level: 1, name: editor.heading })
  const awayHeading = page.getByRole('heading', { level: 1, name: editor.away.heading })

  await editor.edit()
  await sidebarLink.click()
  await question.waitFor()
  await assertAccessible(page, `${screen}: the leave question`)
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${screen}.png`) })
  await question.getByRole('button', { name: 'Cancel' }).click()
  await question.waitFor({ state: 'hidden' })
  assert.equal(page.url(), editorUrl, 'Cancel keeps the address')
  assert.ok(await editor.edited(), 'Cancel keeps the edits')
  await editorHeading.waitFor()

  await page.goBack()
  await question.waitFor()
  assert.equal(page.url(), editorUrl, 'the address stays while asking')
  await question.getByRole('button', { name: 'Cancel' }).click()
  await question.waitFor({ state: 'hidden' })
  assert.equal(page.url(), editorUrl, 'Cancel after Back keeps the address')
  assert.ok(await editor.edited(), 'Cancel after Back keeps the edits')
  await editorHeading.waitFor()

  await page.goBack()
  await question.getByRole('button', { name: 'Leave' }).click()
  await page.getByRole('heading', { level: 1, name: editor.listHeading }).waitFor()
  assert.notEqual(page.url(), editorUrl)
  await page.goForward()
  await editorHeading.waitFor()
  assert.equal(page.url(), editorUrl)
  assert.equal(await editor.edited(), false, 'the editor opens afresh: the edits were left')

  await editor.edit()
  await sidebarLink.click()
  await question.getByRole('button', { name: 'Leave' }).click()
  await awayHeading.waitFor()
  await page.goBack()
  await editorHeading.waitFor()

  await editor.edit()
  await editor.save()
  // Saved: the link goes straight there (a question would keep the editor, and this wait would fail).
  await sidebarLink.click()
  await awayHeading.waitFor()
  assertNoProblems(tab, screen)
}

/** Fails on any console error, uncaught exception or CSP violation the tab has seen. */
export function assertNoProblems(tab: AdminTab, where: string) {
  assert.deepEqual(tab.problems, [], `${where}: console errors or CSP violations`)
}

type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }

/**
 * axe-core on the page as it is; fails on serious or critical violations. The
 * script is evaluated through the DevTools protocol (not a <script> tag, which
 * the CSP, script-src 'self', rightly refuses inline).
 */
export async function assertAccessible(page: Page, where: string) {
  if (!(await page.evaluate(`'axe' in window`))) await page.evaluate(AXE_SOURCE)
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as AxeResult
  const bad = result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    )
  assert.deepEqual(bad, [], `${where}: axe found serious or critical violations`)
}

/** At 360 px wide the screen scrolls down only: nothing makes the page wider than the window. */
export async function assertFits360(page: Page, screen: string) {
  const viewport = page.viewportSize()
  await page.setViewportSize({ width: 360, height: 800 })
  const width = await page.evaluate('document.documentElement.scrollWidth')
  if (viewport) await page.setViewportSize(viewport)
  assert.ok(Number(width) <= 360, `${screen}: the page is ${width} px wide at 360`)
}
