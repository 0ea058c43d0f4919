// The public site in a real browser: Debian's Chromium (/usr/bin/chromium),
// driven by playwright-core, on the database under test (`npm run test:browser`;
// not a *.test.ts file, so `npm test` leaves it out). It catches what
// app.inject cannot: the Content-Security-Policy as a browser enforces it,
// the stylesheet and images actually loading (AVIF/WebP picked from the
// srcset), keyboard use, the site with JavaScript off, and how pages look
// (full-page screenshots in test-results/screenshots/).
//
// The app runs in this process (buildApp through buildTestApp, listening on
// 127.0.0.1), not as `npm start` in a child process: the content is created
// through the services on the same database handle the server uses (PGlite
// allows one process per data directory), there is no cold start per run, and
// the server's log is captured in memory, so the last test can assert that it
// logged no error. test/process.test.ts already covers the real entry point.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core'
import sharp from 'sharp'
import { createContent, publishContent } from '../../src/features/content/content.service.ts'
import { createTerm } from '../../src/features/content/terms.service.ts'
import { generateMediaVariants, uploadMedia } from '../../src/features/media/media.service.ts'
import { localMediaStore } from '../../src/features/media/media.store.ts'
import type { TestApp } from '../app.ts'
import { testDatabaseKind } from '../db.ts'
import { createUser } from '../factories.ts'
import { listenTestApp } from '../listen.ts'
import { launchChromium } from './chromium.ts'

const kind = testDatabaseKind()
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots')
const SITE_TITLE = 'My Plinth site' // the default site settings
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } }
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }

// --- the site under test ---------------------------------------------------------

/** Everything `after` must undo, in reverse order (the server, the data directory, the browser). */
const cleanups: (() => unknown)[] = []
let testApp: TestApp
let origin: string
let browser: Browser
let content: Awaited<ReturnType<typeof createSiteContent>>

/** A 1200×675 JPEG with shapes and a gradient, so a screenshot shows how a cover is cropped and scaled. */
const coverImage = () =>
  sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675">
      <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f6b26b"/><stop offset="1" stop-color="#3d85c6"/></linearGradient></defs>
      <rect width="1200" height="675" fill="url(#sky)"/>
      <circle cx="900" cy="195" r="80" fill="#fff2cc"/>
      <rect y="480" width="1200" height="195" fill="#0b5394"/>
      <polygon points="225,480 315,315 405,480" fill="#f3f3f3"/><rect x="210" y="480" width="210" height="30" fill="#741b47"/>
    </svg>`),
  )
    .jpeg({ quality: 80 })
    .toBuffer()

/** What a small blog has: an editor, tags, a category, a cover image, four posts (one rich), a page. */
async function createSiteContent(testApp: TestApp, dataDir: string) {
  const { db } = testApp.database
  const editor = await createUser(db, { role: 'editor', name: 'Ada Lovelace' })
  const travel = await createTerm(db, 'tags', { name: 'Travel' })
  const photography = await createTerm(db, 'tags', { name: 'Photography' })
  const notes = await createTerm(db, 'categories', { name: 'Field notes' })

  const store = localMediaStore(dataDir)
  const cover = await uploadMedia(db, store, editor, { bytes: await coverImage(), filename: 'harbour.jpg', alt: 'A harbour at dawn' })
  await generateMediaVariants(db, store, cover.id)

  const publish = async (type: 'post' | 'page', input: Parameters<typeof createContent>[3]) => {
    const { row } = await createContent(db, type, editor, input)
    return (await publishContent(db, type, row.id)).row
  }
  const older = [
    await publish('post', {
      title: 'A week of rain',
      slug: 'a-week-of-rain',
      excerpt: 'Seven days indoors, and what came of them.',
      body: 'It rained all week, so the harbour photos waited.\n\nWe sorted old prints instead.',
      tags: [{ id: travel.id }],
    }),
    await publish('post', {
      title: 'Choosing a lens',
      slug: 'choosing-a-lens',
      excerpt: 'One lens is enough for a trip; here is how to pick it.',
      body: '## Three questions\n\n1. How far away is the subject?\n2. How much light is there?\n3. How much can you carry?\n\nA 35 mm lens answers all three for a harbour walk.',
      tags: [{ id: photography.id }],
      categories: [{ id: notes.id }],
    }),
    await publish('post', {
      title: 'Release notes',
      slug: 'release-notes',
      body: 'Nothing about boats here: the site moved to Plinth.',
    }),
  ]
  const post = await publish('post', {
    title: 'Notes from the harbour',
    slug: 'notes-from-the-harbour',
    excerpt: 'Morning light, a tide table and a small script to rename the photos.',
    cover: { id: cover.id },
    tags: [{ id: travel.id }, { id: photography.id }],
    categories: [{ id: notes.id }],
    body: [
      'Morning light on the harbour, and a few things worth writing down before they are forgotten.',
      '## What we packed',
      '- A camera with one lens\n- Two spare batteries\n- A flask of coffee',
      '## The tide table',
      '| Time | Height | Note |\n| --- | ---: | --- |\n| 06:12 | 0.4 m | low water, the best light of the day on the eastern quay |\n| 12:31 | 4.1 m | high water |\n| 18:40 | 0.6 m | low water again |',
      '## Renaming the photos',
      '```ts\nfor (const [index, file] of files.entries()) await rename(file, date + "-harbour-" + String(index + 1).padStart(3, "0") + ".jpg") // one long line\n```',
      `![The harbour at dawn](/media/${cover.sha256}.jpg)`,
      '> The tide waits for no one, least of all a photographer.',
    ].join('\n\n'),
  })
  const page = await publish('page', {
    title: 'About',
    slug: 'about',
    body: 'We write about **harbours**, light and small tools.\n\n- Photos: Ada\n- Words: Ada',
  })
  return { post, older, page, cover, travel, photography, notes }
}

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  ;({ testApp, origin } = await listenTestApp(cleanups, { env: { DATA_DIR: dataDir } }))
  content = await createSiteContent(testApp, dataDir)
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  // A fresh, temporary profile: launch() without a user data directory.
  browser = await launchChromium(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

// --- helpers -------------------------------------------------------------------

type Visit = { page: Page; response: Response; problems: string[] }

/**
 * Opens `url` in a new page of `context`, recording what a visitor's console
 * would show: console errors and warnings (Chromium reports CSP violations
 * there), uncaught page errors, failed requests and answers ≥ 400 (except the
 * expected status of the document itself). The page closes after the test.
 */
async function visit(t: test.TestContext, context: BrowserContext, url: string, expectedStatus = 200): Promise<Visit> {
  const page = await context.newPage()
  t.after(() => page.close())
  const problems = watch(page, { documentUrl: `${origin}${url}`, expectedStatus })
  const response = await page.goto(`${origin}${url}`)
  assert.ok(response, `no response for ${url}`)
  assert.equal(response.status(), expectedStatus, url)
  await settle(page)
  return { page, response, problems }
}

function watch(page: Page, expected: { documentUrl: string; expectedStatus: number }): string[] {
  const problems: string[] = []
  const isExpectedDocument = (url: string, status: number) =>
    expected.expectedStatus !== 200 && status === expected.expectedStatus && url === expected.documentUrl
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return
    // Chromium logs a document's own error status as a failed load; that one is expected.
    const { url } = message.location()
    if (/^Failed to load resource: the server responded with a status of (\d+)/.test(message.text())) {
      const status = Number(/status of (\d+)/.exec(message.text())?.[1])
      if (isExpectedDocument(url, status)) return
    }
    problems.push(`console ${message.type()}: ${message.text()}${url ? ` (${url})` : ''}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
  )
  page.on('response', (response) => {
    if (response.status() >= 400 && !isExpectedDocument(response.url(), response.status()))
      problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`)
  })
  return problems
}

/** Waits until every image has loaded or failed (lazy ones are switched to eager, so full-page screenshots show them) and fonts are ready. */
async function settle(page: Page) {
  await page.locator('img').evaluateAll(async (images) => {
    for (const image of images) image.loading = 'eager'
    await Promise.all(images.map((image) => image.decode().catch(() => undefined)))
  })
  await page.evaluate('document.fonts.ready.then(() => undefined)')
}

const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-${name}.png`), fullPage: true })

/** Asserts the page reported no problem: no console error or warning, no page error, no failed request. */
function assertNoProblems(problems: string[], what: string) {
  assert.deepEqual(problems, [], `${what}: the browser reported problems`)
}

/** The header, main navigation, main and footer landmarks are there, once each. */
async function assertLandmarks(page: Page) {
  for (const selector of ['body > header', 'header nav[aria-label="Main"]', 'body > main#content', 'body > footer'])
    assert.equal(await page.locator(selector).count(), 1, selector)
}

/** The theme's stylesheet applied: values only style.css sets. */
async function assertStyled(page: Page) {
  const styles = await page.locator('body').evaluate((body) => {
    // (The test's TypeScript has no DOM types: `body` is untyped here.)
    const of = (selector: string | null) => {
      const element = selector ? body.querySelector(selector) : body
      return element ? body.ownerDocument.defaultView.getComputedStyle(element) : undefined
    }
    return {
      bodyMargin: of(null)?.margin,
      titleWeight: of('.site-title')?.fontWeight,
      navDisplay: of('.nav')?.display,
      searchRadius: of('input[type="search"]')?.borderTopLeftRadius,
    }
  })
  assert.deepEqual(styles, { bodyMargin: '0px', titleWeight: '700', navDisplay: 'flex', searchRadius: '6px' })
}

/** Nothing sticks out sideways (a phone user would have to scroll the whole page horizontally). */
async function assertNoHorizontalOverflow(page: Page) {
  const { scrollWidth, clientWidth } = await page
    .locator('html')
    .evaluate((html) => ({ scrollWidth: html.scrollWidth, clientWidth: html.clientWidth }))
  assert.ok(scrollWidth <= clientWidth, `the page is ${scrollWidth}px wide in a ${clientWidth}px viewport`)
}

type LoadedImage = {
  src: string
  currentSrc: string
  /** density-corrected: for a srcset candidate, the width it was chosen for, not the file's */
  naturalWidth: number
  shownWidth: number
  /** the `<source>` srcset candidates: URL → width descriptor */
  sources: Record<string, number>
}

/** Every image on the page, with what the browser loaded for it and the srcset candidates of its <picture> sources. */
const imagesOf = (page: Page): Promise<LoadedImage[]> =>
  page.locator('img').evaluateAll((images) =>
    images.map((image) => ({
      src: image.getAttribute('src') ?? '',
      currentSrc: image.currentSrc,
      naturalWidth: image.naturalWidth,
      shownWidth: image.clientWidth,
      sources: Object.fromEntries(
        [...(image.parentElement?.querySelectorAll('source') ?? [])].flatMap((source) =>
          (source.getAttribute('srcset') ?? '').split(',').map((candidate: string) => {
            const [url, width] = candidate.trim().split(' ')
            return [url, Number.parseInt(width ?? '', 10)]
          }),
        ),
      ),
    })),
  )

/** The cover (in a <picture> with variants) came from the AVIF variants, which Chromium supports, not the original JPEG. */
function assertCoverFromSrcset(image: LoadedImage | undefined) {
  assert.ok(image, 'the cover image is on the page')
  assert.ok(image.naturalWidth > 0, `the cover did not load: ${image.currentSrc}`)
  assert.ok(Object.keys(image.sources).length > 0, 'the cover has <source> variants')
  const url = new URL(image.currentSrc)
  assert.ok(url.pathname in image.sources, `${url.pathname} is not one of the srcset candidates`)
  assert.match(url.pathname, /^\/media\/[0-9a-f]{64}\.avif$/, 'Chromium picks the AVIF variant')
}

// --- the tests -------------------------------------------------------------------

describe(`the public site in Chromium on ${kind}`, () => {
  let desktop: BrowserContext
  let phone: BrowserContext
  before(async () => {
    desktop = await browser.newContext(DESKTOP)
    phone = await browser.newContext(PHONE)
  })
  after(async () => {
    await desktop?.close()
    await phone?.close()
  })

  test('the home page lists the posts, newest first, with the styled theme and a loaded cover (desktop and phone)', async (t) => {
    for (const [context, name] of [
      [desktop, 'home-desktop'],
      [phone, 'home-phone'],
    ] as const) {
      const { page, problems } = await visit(t, context, '/')
      assert.equal(await page.title(), SITE_TITLE)
      assert.equal(await page.locator('h1').textContent(), 'Latest posts')
      await assertLandmarks(page)
      await assertStyled(page)
      const titles = await page.locator('.card__title').allTextContents()
      assert.deepEqual(
        titles.map((title) => title.trim()),
        ['Notes from the harbour', 'Release notes', 'Choosing a lens', 'A week of rain'],
      )
      assert.equal(await page.locator('header nav a[href="/about"]').textContent(), 'About')
      const images = await imagesOf(page)
      assert.equal(images.length, 1)
      assertCoverFromSrcset(images[0])
      // The home page's WebSite JSON-LD is a data block, which CSP's script-src does not govern.
      assert.equal(await page.locator('script[type="application/ld+json"]').count(), 1)
      await assertNoHorizontalOverflow(page)
      await screenshot(page, name)
      assertNoProblems(problems, name)
    }
  })

  test('the skip link appears on the first Tab and moves focus to the main content', async (t) => {
    const { page, problems } = await visit(t, desktop, '/')
    const skip = page.locator('.skip-link')
    const hidden = await skip.boundingBox()
    assert.ok(hidden && hidden.y + hidden.height <= 0, 'the skip link is off screen until focused')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement.className'), 'skip-link')
    const shown = await skip.boundingBox()
    assert.ok(shown && shown.y >= 0 && shown.height > 0, `the focused skip link is on screen (${JSON.stringify(shown)})`)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${origin}/#content`)
    assert.equal(await page.evaluate('document.activeElement.id'), 'content')
    // The next Tab continues from the main content: its first link is the first post.
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Notes from the harbour')
    assertNoProblems(problems, 'skip link')
  })

  test('a post shows its Markdown (heading, list, table, code, image), cover, terms and JSON-LD without a CSP error', async (t) => {
    const { page, problems } = await visit(t, desktop, '/blog/notes-from-the-harbour')
    assert.equal(await page.title(), `Notes from the harbour — ${SITE_TITLE}`)
    assert.equal(await page.locator('h1').textContent(), 'Notes from the harbour')
    await assertLandmarks(page)
    await assertStyled(page)
    const prose = page.locator('.prose')
    assert.deepEqual(await prose.locator('h2').allTextContents(), ['What we packed', 'The tide table', 'Renaming the photos'])
    assert.equal(await prose.locator('h2#the-tide-table').count(), 1, 'headings get anchors')
    assert.equal(await prose.locator('ul > li').count(), 3)
    assert.equal(await prose.locator('table tbody tr').count(), 3)
    // `| ---: |` aligns the column by a class (the CSP refuses inline styles).
    const align = (selector: string) =>
      prose
        .locator(selector)
        .first()
        .evaluate((cell) => cell.ownerDocument.defaultView.getComputedStyle(cell).textAlign)
    assert.equal(await align('tbody td:nth-child(2)'), 'right')
    assert.equal(await align('tbody td:nth-child(1)'), 'left')
    assert.match((await prose.locator('pre code').textContent()) ?? '', /padStart\(3, "0"\)/)
    assert.equal(await prose.locator('blockquote').count(), 1)
    assert.equal(await page.locator('.eyebrow a[href="/category/field-notes"]').textContent(), 'Field notes')
    assert.deepEqual(await page.locator('.entry__footer .tags a').allTextContents(), ['Photography', 'Travel'])
    assert.match((await page.locator('.entry__header .meta').textContent()) ?? '', /by Ada Lovelace/)
    // The code block is styled by the theme (monospace, its own background).
    const codeFont = await prose.locator('pre code').evaluate((code) => code.ownerDocument.defaultView.getComputedStyle(code).fontFamily)
    assert.match(codeFont, /monospace/)

    const images = await imagesOf(page)
    assert.equal(images.length, 2, 'the cover and the image in the body')
    assertCoverFromSrcset(images[0])
    const cover = images[0] as LoadedImage
    const coverPath = new URL(cover.currentSrc).pathname
    t.diagnostic(`cover: ${coverPath}, the ${cover.sources[coverPath]}w candidate, shown ${cover.shownWidth} CSS px wide`)
    const inline = images[1] as LoadedImage
    assert.equal(inline.src, `/media/${content.cover.sha256}.jpg`)
    assert.ok(inline.naturalWidth > 0, 'the image in the body loaded')

    const ld = page.locator('script[type="application/ld+json"]')
    assert.equal(await ld.count(), 1)
    const data = JSON.parse((await ld.textContent()) ?? '')
    assert.equal(data['@type'], 'BlogPosting')
    assert.equal(data.url, `${origin}/blog/notes-from-the-harbour`)
    await screenshot(page, 'post')
    assertNoProblems(problems, 'post')
  })

  test('on a phone, the post fits the screen: the wide table and the long code line scroll inside themselves', async (t) => {
    const { page, problems } = await visit(t, phone, '/blog/notes-from-the-harbour')
    await assertNoHorizontalOverflow(page)
    for (const selector of ['.prose pre', '.prose table']) {
      const box = await page.locator(selector).boundingBox()
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${selector} stays inside the viewport (${JSON.stringify(box)})`)
    }
    await screenshot(page, 'post-phone')
    assertNoProblems(problems, 'post on a phone')
  })

  test("in dark mode the theme's dark palette applies", async (t) => {
    const dark = await browser.newContext({ ...DESKTOP, colorScheme: 'dark' })
    t.after(() => dark.close())
    const { page, problems } = await visit(t, dark, '/blog/notes-from-the-harbour')
    const colors = await page.locator('body').evaluate((body) => {
      const style = body.ownerDocument.defaultView.getComputedStyle(body)
      return { background: style.backgroundColor, color: style.color }
    })
    assert.deepEqual(colors, { background: 'rgb(21, 23, 26)', color: 'rgb(232, 234, 237)' })
    await screenshot(page, 'post-dark')
    assertNoProblems(problems, 'post in dark mode')
  })

  test('a page has its title, heading, body and WebPage JSON-LD', async (t) => {
    const { page, problems } = await visit(t, desktop, '/about')
    assert.equal(await page.title(), `About — ${SITE_TITLE}`)
    assert.equal(await page.locator('h1').textContent(), 'About')
    await assertLandmarks(page)
    await assertStyled(page)
    assert.equal(await page.locator('.prose strong').textContent(), 'harbours')
    assert.equal(await page.locator('header nav a[href="/about"]').getAttribute('aria-current'), 'page')
    assert.equal(JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? '')['@type'], 'WebPage')
    await screenshot(page, 'page')
    assertNoProblems(problems, 'page')
  })

  test('searching from the header box with the keyboard shows highlighted results', async (t) => {
    const { page, problems } = await visit(t, desktop, '/blog/choosing-a-lens')
    await page.locator('#site-search').click()
    await page.keyboard.type('harbour')
    await Promise.all([page.waitForURL(`${origin}/search?q=harbour`), page.keyboard.press('Enter')])
    await settle(page)
    assert.equal(await page.title(), `Search: harbour — ${SITE_TITLE}`)
    assert.equal(await page.locator('h1').textContent(), 'Search results for “harbour”')
    await assertLandmarks(page)
    await assertStyled(page)
    const results = (await page.locator('.result__title').allTextContents()).map((title) => title.trim())
    for (const title of ['Notes from the harbour', 'A week of rain', 'Choosing a lens', 'About'])
      assert.ok(results.includes(title), `${title} is found`)
    assert.ok(!results.includes('Release notes'), 'a post without the word is not found')
    assert.ok((await page.locator('.result__snippet mark').count()) > 0, 'the snippets highlight the match')
    assert.match((await page.locator('.result__snippet mark').first().textContent()) ?? '', /^harbour/i)
    assert.equal(await page.locator('#site-search').inputValue(), 'harbour', 'the header box keeps the query')
    await screenshot(page, 'search')
    assertNoProblems(problems, 'search')
  })

  test('an unknown address is the theme 404 page, with status 404', async (t) => {
    const { page, response, problems } = await visit(t, desktop, '/no-such-page', 404)
    assert.equal(response.status(), 404)
    assert.equal(await page.title(), `Page not found — ${SITE_TITLE}`)
    assert.equal(await page.locator('h1').textContent(), 'Page not found')
    assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'noindex')
    await assertLandmarks(page)
    await assertStyled(page)
    await screenshot(page, '404')
    assertNoProblems(problems, '404')
  })

  test('with JavaScript off, a post reads the same and the search form works', async (t) => {
    const noScript = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false })
    t.after(() => noScript.close())
    const { page, problems } = await visit(t, noScript, '/blog/notes-from-the-harbour')
    assert.equal(await page.locator('h1').textContent(), 'Notes from the harbour')
    assert.equal(await page.locator('.prose table').count(), 1)
    assertNoProblems(problems, 'post without JavaScript')
    problems.length = 0
    await page.locator('#site-search').fill('tide')
    await Promise.all([page.waitForURL(`${origin}/search?q=tide`), page.locator('#site-search').press('Enter')])
    assert.equal(await page.locator('h1').textContent(), 'Search results for “tide”')
    assert.deepEqual(
      (await page.locator('.result__title').allTextContents()).map((title) => title.trim()),
      ['Notes from the harbour'],
    )
    assert.ok((await page.locator('.result__snippet mark').count()) > 0)
    await screenshot(page, 'search-nojs')
    assertNoProblems(problems, 'search without JavaScript')
  })

  test('the problem watcher is not blind: an inline script is refused by the CSP and reported', async (t) => {
    const { page, problems } = await visit(t, desktop, '/about')
    assertNoProblems(problems, 'before the injected script')
    await page.evaluate(`(() => {
      const script = document.createElement('script')
      script.textContent = 'window.ran = true'
      document.head.append(script)
    })()`)
    await page.waitForTimeout(100)
    assert.equal(await page.evaluate('window.ran'), undefined, 'the inline script did not run')
    assert.ok(
      problems.some((problem) => /Content Security Policy/.test(problem)),
      `a CSP violation is reported: ${JSON.stringify(problems)}`,
    )
  })

  test('the server logged no error while the browser visited', () => {
    const errors = testApp.logs().filter((line) => Number(line.level) >= 50)
    assert.deepEqual(errors, [])
    const statuses = testApp
      .logs()
      .filter((line) => line.msg === 'request completed')
      .map((line) => line.status as number)
    assert.ok(statuses.length > 10, 'the browser went through this server')
    assert.ok(statuses.every((status) => status < 400 || status === 404))
  })
})
