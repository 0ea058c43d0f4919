import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import pino from 'pino'
import { latestChangeId, readChangesAfter } from '#core/changes/changes.ts'
import { sql } from '#core/db/database.ts'
import type { JobContext } from '#core/jobs/queue.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { type TestClock, testClock } from '../../../test/clock.ts'
import { createUser, logIn, TEST_PASSWORD, uniqueEmail } from '../../../test/factories.ts'
import { jobHandlers } from '../../jobs.ts'
import { createContent, PUBLISH_SCHEDULED_JOB, publishContent, scheduleContent, updateContent } from '../content/content.service.ts'
import { createTerm } from '../content/terms.service.ts'
import { MEDIA_VARIANTS_JOB, uploadMedia } from '../media/media.service.ts'
import { makeImage, multipart } from '../media/media.testing.ts'
import { createCategory } from '../products/categories.service.ts'
import { createProduct } from '../products/products.service.ts'
import { prepareSetupLink } from '../users/admin/setup.service.ts'

/**
 * The change feed's coverage test (issue 8, part 4; decision 0011): for every
 * write route and every job, render the public pages, do the write, render them
 * again, and for each page whose bytes changed, check that the write recorded a
 * tag the page declared when it was rendered (its Surrogate-Key). That is the
 * promise the page cache will rely on: a page is stale only after a change that
 * names something it showed.
 *
 * The table below is checked against the app's own route table and job list:
 * a new write route or job fails this file until it is added here (or to
 * EXEMPT, with the reason it cannot change a public page).
 */

const PUBLIC_URL = 'https://coverage.example.org'
const word = () => `w${randomBytes(4).toString('hex')}`

type Headers = Record<string, string>

/** The records of one write's world: each write runs against a fresh set, on the file's database. */
type World = {
  testApp: TestApp
  clock: TestClock
  admin: Headers
  word: string
  writer: { id: number; email: string }
  tag: { id: number; slug: string }
  category: { id: number; slug: string }
  cover: { id: number }
  post: { id: number; slug: string }
  other: { id: number; slug: string }
  page: { id: number; slug: string }
  draft: { id: number; slug: string }
  draftPage: { id: number; slug: string }
  product: { id: number; slug: string }
  draftProduct: { id: number; slug: string }
  productCategory: { id: number; slug: string }
  pages: string[]
}

type Write = {
  /** The route (`METHOD /pattern`, as Fastify lists it) or the job (`job <name>`) the write goes through. */
  covers: string
  /** What it does, for the test name. */
  does: string
  /** Whether some public page must change (so the check is not vacuous). */
  changesPages: boolean
  run: (world: World) => Promise<unknown>
}

async function send(world: World, method: string, url: string, payload?: object, headers: Headers = world.admin) {
  const response = await world.testApp.app.inject({ method: method as 'POST', url, payload, headers })
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`)
  return response
}

/** Runs a job's handler as the worker would (once, now). */
async function runJob(w: World, name: string, payload: object) {
  const handler = jobHandlers(w.testApp.deps)[name]
  assert.ok(handler, `no job ${name}`)
  const context: JobContext = { id: 0, attempt: 1, maxAttempts: 1, log: pino({ level: 'silent' }), signal: new AbortController().signal }
  await handler(payload, context)
}

const content = (type: 'post' | 'page'): Write[] => {
  const base = `/api/v1/${type}s`
  const item = (w: World) => (type === 'post' ? w.post : w.page)
  const draft = (w: World) => (type === 'post' ? w.draft : w.draftPage)
  return [
    {
      covers: `POST ${base}`,
      does: 'creates a draft',
      changesPages: false,
      run: (w) => send(w, 'POST', base, { title: `New ${w.word}`, slug: `new-${w.word}`, body: w.word }),
    },
    {
      covers: `PATCH ${base}/:id`,
      does: 'changes the title of a published one',
      changesPages: true,
      run: (w) => send(w, 'PATCH', `${base}/${item(w).id}`, { title: `Retitled ${w.word}` }),
    },
    {
      covers: `PATCH ${base}/:id`,
      does: 'changes the slug of a published one (a redirect is left)',
      changesPages: true,
      run: (w) => send(w, 'PATCH', `${base}/${item(w).id}`, { slug: `moved-${w.word}` }),
    },
    {
      covers: `PATCH ${base}/:id`,
      does: 'takes the cover off a published one',
      changesPages: type === 'post',
      run: (w) => send(w, 'PATCH', `${base}/${item(w).id}`, { cover: null }),
    },
    ...(type === 'post'
      ? [
          {
            covers: `PATCH ${base}/:id`,
            does: 'takes the tags and categories off a published one',
            changesPages: true,
            run: (w: World) => send(w, 'PATCH', `${base}/${w.post.id}`, { tags: [], categories: [] }),
          },
        ]
      : []),
    {
      covers: `DELETE ${base}/:id`,
      does: 'deletes a published one',
      changesPages: true,
      run: (w) => send(w, 'DELETE', `${base}/${item(w).id}`),
    },
    {
      covers: `POST ${base}/:id/publish`,
      does: 'publishes a draft',
      changesPages: true,
      run: (w) => send(w, 'POST', `${base}/${draft(w).id}/publish`),
    },
    {
      covers: `POST ${base}/:id/unpublish`,
      does: 'unpublishes',
      changesPages: true,
      run: (w) => send(w, 'POST', `${base}/${item(w).id}/unpublish`),
    },
    {
      covers: `POST ${base}/:id/archive`,
      does: 'archives',
      changesPages: true,
      run: (w) => send(w, 'POST', `${base}/${item(w).id}/archive`),
    },
    {
      covers: `POST ${base}/:id/schedule`,
      does: 'schedules a draft',
      changesPages: false,
      run: (w) =>
        send(w, 'POST', `${base}/${draft(w).id}/schedule`, {
          publish_at: new Date(w.clock().getTime() + 3600_000).toISOString(),
        }),
    },
    {
      covers: `POST ${base}/:id/revisions/:rev/restore`,
      does: 'restores the first revision of a published one',
      changesPages: true,
      run: (w) => send(w, 'POST', `${base}/${item(w).id}/revisions/1/restore`),
    },
  ]
}

const terms = (kind: 'tags' | 'categories'): Write[] => [
  {
    covers: `POST /api/v1/${kind}`,
    does: 'creates a term',
    changesPages: false,
    run: (w) => send(w, 'POST', `/api/v1/${kind}`, { name: `Term ${w.word}` }),
  },
  {
    covers: `DELETE /api/v1/${kind}/:id`,
    does: "deletes a published post's term",
    changesPages: true,
    run: (w) => send(w, 'DELETE', `/api/v1/${kind}/${kind === 'tags' ? w.tag.id : w.category.id}`),
  },
]

const WRITES: Write[] = [
  ...content('post'),
  ...content('page'),
  ...terms('tags'),
  ...terms('categories'),
  {
    covers: 'POST /api/v1/media',
    does: 'uploads an image',
    changesPages: false,
    run: async (w) => {
      const body = multipart([{ name: 'file', filename: 'new.png', contentType: 'image/png', bytes: await makeImage('png') }])
      const response = await w.testApp.app.inject({
        method: 'POST',
        url: '/api/v1/media',
        headers: { ...w.admin, 'content-type': body.contentType },
        payload: body.payload,
      })
      assert.equal(response.statusCode, 201, response.body)
    },
  },
  {
    covers: 'PATCH /api/v1/media/:id',
    does: "changes a cover's alt text",
    changesPages: true,
    run: (w) => send(w, 'PATCH', `/api/v1/media/${w.cover.id}`, { alt: `Alt ${w.word}` }),
  },
  {
    covers: 'DELETE /api/v1/media/:id',
    does: 'deletes a cover',
    changesPages: true,
    run: (w) => send(w, 'DELETE', `/api/v1/media/${w.cover.id}`),
  },
  {
    covers: 'PATCH /api/v1/auth/me',
    does: "an author changes their name (shown on the author's posts)",
    changesPages: true,
    run: async (w) => {
      const session = await logIn(w.testApp.app, w.writer.email)
      await send(w, 'PATCH', '/api/v1/auth/me', { name: `Renamed ${w.word}` }, { cookie: session.cookie, 'x-csrf-token': session.csrf })
    },
  },
  {
    covers: 'PATCH /api/v1/users/:id',
    does: "an admin changes an author's role and disables the account",
    changesPages: false,
    run: (w) => send(w, 'PATCH', `/api/v1/users/${w.writer.id}`, { role: 'editor', disabled: true }),
  },
  {
    covers: 'POST /api/v1/auth/signup',
    does: 'a visitor signs up (once an admin allows sign-up)',
    changesPages: false,
    run: async (w) => {
      await send(w, 'PATCH', '/api/v1/settings', { signup_enabled: true })
      await send(w, 'POST', '/api/v1/auth/signup', { email: uniqueEmail(), password: TEST_PASSWORD, name: 'New member' }, {})
    },
  },
  {
    covers: 'PATCH /api/v1/settings',
    does: 'an admin renames the site (the title is on every page)',
    changesPages: true,
    run: (w) => send(w, 'PATCH', '/api/v1/settings', { title: `Site ${w.word}` }),
  },
  {
    covers: 'PATCH /api/v1/settings',
    does: 'an admin sets the time zone and stores CORS origins (no page shows them yet)',
    changesPages: false,
    run: (w) =>
      send(w, 'PATCH', '/api/v1/settings', {
        timezone: 'Europe/Rome',
        cors_origins: ['https://app.example.org'],
      }),
  },
  {
    covers: 'POST /api/v1/auth/login',
    does: 'signs in',
    changesPages: false,
    run: (w) => send(w, 'POST', '/api/v1/auth/login', { email: w.writer.email, password: TEST_PASSWORD }, {}),
  },
  {
    covers: 'POST /api/v1/auth/logout',
    does: 'signs out',
    changesPages: false,
    run: async (w) => {
      const session = await logIn(w.testApp.app, w.writer.email)
      await send(w, 'POST', '/api/v1/auth/logout', undefined, { cookie: session.cookie, 'x-csrf-token': session.csrf })
    },
  },
  {
    covers: 'POST /api/v1/auth/password-reset',
    does: 'asks for a password reset',
    changesPages: false,
    run: (w) => send(w, 'POST', '/api/v1/auth/password-reset', { email: w.writer.email }, {}),
  },
  {
    covers: 'POST /api/v1/tokens',
    does: 'creates an API token',
    changesPages: false,
    run: (w) => send(w, 'POST', '/api/v1/tokens', { name: 'coverage', scopes: ['read'], current_password: TEST_PASSWORD }),
  },
  {
    covers: 'DELETE /api/v1/tokens/:id',
    does: 'revokes an API token',
    changesPages: false,
    run: async (w) => {
      const created = await send(w, 'POST', '/api/v1/tokens', { name: 'coverage', scopes: ['read'], current_password: TEST_PASSWORD })
      await send(w, 'DELETE', `/api/v1/tokens/${created.json().id}`)
    },
  },
  {
    covers: `job ${PUBLISH_SCHEDULED_JOB}`,
    does: 'publishes a scheduled post when it is due',
    changesPages: true,
    run: async (w) => {
      const { deps } = w.testApp
      await scheduleContent(deps.db, 'post', w.draft.id, new Date(w.clock().getTime() + 60_000), w.clock())
      w.clock.advance(120_000)
      await runJob(w, PUBLISH_SCHEDULED_JOB, { post_id: w.draft.id })
    },
  },
  {
    covers: `job ${MEDIA_VARIANTS_JOB}`,
    does: "makes a cover's responsive variants",
    changesPages: true,
    run: (w) => runJob(w, MEDIA_VARIANTS_JOB, { media_id: w.cover.id }),
  },
]

/** The catalog's writes (issue 11): the public product pages show what they change. */
const PRODUCT_WRITES: Write[] = [
  {
    covers: 'POST /api/v1/products',
    does: 'creates an active product (the listing and search show it)',
    changesPages: true,
    run: (w) => send(w, 'POST', '/api/v1/products', { sku: `N-${w.word}`, name: `New ${w.word}`, price_minor: 500, status: 'active' }),
  },
  {
    covers: 'POST /api/v1/products',
    does: 'creates a draft product',
    changesPages: false,
    run: (w) =>
      send(w, 'POST', '/api/v1/products', { sku: `D-${w.word}`, name: `Hidden ${w.word}`, price_minor: 500, attributes: { zz: 'x' } }),
  },
  {
    covers: 'PATCH /api/v1/products/:id',
    does: 'changes the price and name of an active product',
    changesPages: true,
    run: (w) => send(w, 'PATCH', `/api/v1/products/${w.product.id}`, { name: `Renamed ${w.word}`, price_minor: 4321 }),
  },
  {
    covers: 'PATCH /api/v1/products/:id',
    does: 'makes a draft product active',
    changesPages: true,
    run: (w) => send(w, 'PATCH', `/api/v1/products/${w.draftProduct.id}`, { status: 'active' }),
  },
  {
    covers: 'PATCH /api/v1/products/:id',
    does: 'archives an active product',
    changesPages: true,
    run: (w) => send(w, 'PATCH', `/api/v1/products/${w.product.id}`, { status: 'archived' }),
  },
  {
    covers: 'DELETE /api/v1/products/:id',
    does: 'deletes an active product',
    changesPages: true,
    run: (w) => send(w, 'DELETE', `/api/v1/products/${w.product.id}`),
  },
  {
    covers: 'POST /api/v1/products/:id/stock',
    does: 'takes one from a small stock (the page says how many are left)',
    changesPages: true,
    run: (w) => send(w, 'POST', `/api/v1/products/${w.product.id}/stock`, { delta: -1 }),
  },
  {
    covers: 'POST /api/v1/products/:id/stock',
    does: 'sells the last ones (out of stock)',
    changesPages: true,
    run: (w) => send(w, 'POST', `/api/v1/products/${w.product.id}/stock`, { delta: -3 }),
  },
  {
    covers: 'POST /api/v1/product-categories',
    does: 'creates a product category',
    changesPages: false,
    run: (w) => send(w, 'POST', '/api/v1/product-categories', { name: `Category ${w.word}` }),
  },
  {
    covers: 'PATCH /api/v1/product-categories/:id',
    does: "renames an active product's category",
    changesPages: true,
    run: (w) => send(w, 'PATCH', `/api/v1/product-categories/${w.productCategory.id}`, { name: `Renamed ${w.word}` }),
  },
  {
    covers: 'DELETE /api/v1/product-categories/:id',
    does: "deletes an active product's category",
    changesPages: true,
    run: (w) => send(w, 'DELETE', `/api/v1/product-categories/${w.productCategory.id}`),
  },
]

/** Writes that need a site without an administrator (the welcome page): each gets a database of its own. */
const EMPTY_SITE_WRITES: Write[] = [
  {
    covers: 'POST /api/v1/setup',
    does: 'the first administrator is created with the setup link',
    changesPages: true,
    run: async (w) => {
      const link = await prepareSetupLink(w.testApp.deps.db, PUBLIC_URL, w.clock())
      const token = new URL(link as string).searchParams.get('token')
      await send(w, 'POST', '/api/v1/setup', { token, email: uniqueEmail('admin'), password: TEST_PASSWORD, name: 'Owner' }, {})
    },
  },
]

/** Writes that cannot change a public page, and why; the route-table check accepts these without a run. */
const EXEMPT: Record<string, string> = {
  'POST /api/v1/auth/password-reset/confirm': 'sets a password hash and ends sessions; needs the mailed token',
  'POST /api/v1/auth/verify-email': 'marks an address verified (recorded as user:<id>); needs the mailed token; no page shows it',
  'POST /api/v1/auth/totp/setup': 'second factor: shown on no public page',
  'POST /api/v1/auth/totp/enable': 'second factor: shown on no public page',
  'POST /api/v1/auth/totp/disable': 'second factor: shown on no public page',
  'job mail.send': 'sends a queued mail; writes only mail_outbox',
  'POST /api/v1/auth/totp/recovery-codes': 'second factor: shown on no public page',
  'DELETE /api/v1/auth/sessions/:id': 'ends a session: shown on no public page',
  // Invitations and the job queue (issue 13): no public page shows them. Accepting records user:<id> and
  // list:users (invitations.test.ts checks it); a new account shows on no page until it writes something.
  'POST /api/v1/invitations': 'an invitation: shown on no public page',
  'DELETE /api/v1/invitations/:id': 'an invitation: shown on no public page',
  'POST /api/v1/invitations/accept': 'a new account (records user:<id>, list:users): on no page until it writes',
  'POST /api/v1/jobs/:id/retry': 'queues a dead job again; the job itself is covered by its own entry',
  'POST /api/v1/preview': 'renders Markdown without saving; writes only its limiter count',
  // Forms (issue 12): no cached public page shows a form's definition or submissions. The form page itself is
  // never cached (each visitor gets their own render token); the thank-you page carries form:<id>, which each
  // definition write records (forms.test.ts checks the changes). The admin's :id and the public :slug share a
  // path segment, which Fastify's route tree prints as :id|:slug.
  'POST /api/v1/forms': 'a new form: its page is new and uncached',
  'PATCH /api/v1/forms/:id|:slug': 'records form:<id>; the form page is uncached, the thank-you page tagged form:<id>',
  'DELETE /api/v1/forms/:id|:slug': 'records form:<id>; the form page is uncached, the thank-you page tagged form:<id>',
  'POST /api/v1/forms/:id|:slug/tokens': 'issues a render token; writes nothing',
  'POST /api/v1/forms/:id|:slug/submissions': 'stores a submission: shown on no public page',
  'POST /forms/:slug': 'stores a submission: shown on no public page',
  'PATCH /api/v1/forms/:id|:slug/submissions': 'submission status: shown on no public page',
  'PATCH /api/v1/forms/:id|:slug/submissions/:submissionId': 'submission status: shown on no public page',
  'DELETE /api/v1/forms/:id|:slug/submissions/:submissionId': 'deletes a submission: shown on no public page',
  'job forms.delete_expired_submissions': 'retention: deletes submissions, shown on no public page',
  // Webhooks (issue 12, item 6): subscriptions and their deliveries are shown on no public page (decision 0022).
  'POST /api/v1/webhooks': 'a webhook subscription: shown on no public page',
  'PATCH /api/v1/webhooks/:id': 'a webhook subscription: shown on no public page',
  'DELETE /api/v1/webhooks/:id': 'a webhook subscription: shown on no public page',
  'POST /api/v1/webhooks/:id/rotate-secret': 'a webhook secret: shown on no public page',
  'POST /api/v1/webhooks/:id/ping': 'queues a test delivery: shown on no public page',
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver': 'queues a delivery: shown on no public page',
  'job webhooks.deliver': 'sends a delivery; writes only webhook_deliveries and webhook_attempts',
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** `METHOD /pattern` of every route, read from Fastify's printed route tree. */
function routeTable(printed: string): string[] {
  const stack: string[] = []
  const routes: string[] = []
  for (const line of printed.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] as string).length / 4
    stack.length = depth
    const route = (stack[depth - 1] ?? '') + (match[2] as string)
    stack[depth] = route
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${route}`)
  }
  return routes
}

async function coverageApp(t: test.TestContext, options: { privateDatabase?: boolean } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-coverage-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  // The clock starts at the real time and stands still: scheduling and the job move it on.
  const clock = testClock(new Date())
  return { clock, testApp: await buildTestApp(t, { env: { PUBLIC_URL, DATA_DIR: dataDir }, clock, ...options }) }
}

type Render = { status: number; body: string; keys: string[] }

async function renderAll(testApp: TestApp, urls: string[]): Promise<Map<string, Render>> {
  const renders = new Map<string, Render>()
  for (const url of urls) {
    const response = await testApp.app.inject({ method: 'GET', url })
    const header = response.headers['surrogate-key']
    renders.set(url, {
      status: response.statusCode,
      body: response.body,
      keys: typeof header === 'string' ? header.split(' ').filter(Boolean) : [],
    })
  }
  return renders
}

/**
 * Renders `urls`, runs `write`, renders them again; returns the pages that
 * changed and, for each, whether the recorded tags name something it showed.
 */
async function checkWrite(testApp: TestApp, urls: string[], write: () => Promise<unknown>) {
  const before = await renderAll(testApp, urls)
  const lastId = await latestChangeId(testApp.deps.db)
  await write()
  const recorded = new Set<string>((await readChangesAfter(testApp.deps.db, lastId)).flatMap((change) => change.tags))
  const after = await renderAll(testApp, urls)
  const changed = urls.filter((url) => {
    const [a, b] = [before.get(url) as Render, after.get(url) as Render]
    return a.status !== b.status || a.body !== b.body
  })
  const uncovered = changed.flatMap((url) => {
    const keys = (before.get(url) as Render).keys
    return keys.some((key) => recorded.has(key))
      ? []
      : [`${url} showed [${keys.join(' ')}], the write recorded [${[...recorded].join(' ')}]`]
  })
  return { changed, uncovered }
}

let admin: Promise<Headers> | undefined

/** One administrator for the file's writes (signed in once). */
function adminHeaders(testApp: TestApp): Promise<Headers> {
  admin ??= (async () => {
    const user = await createUser(testApp.deps.db, { role: 'admin', name: 'Site Admin', verified: true })
    const session = await logIn(testApp.app, user.email)
    return { cookie: session.cookie, 'x-csrf-token': session.csrf }
  })()
  return admin
}

async function makeWorld({ testApp, clock }: { testApp: TestApp; clock: TestClock }): Promise<World> {
  const { db, store } = testApp.deps
  const w = word()
  const editor = await createUser(db, { role: 'editor', name: `Editor ${w}` })
  const writer = await createUser(db, { role: 'author', name: `Ada ${w}` })
  const tag = await createTerm(db, 'tags', { name: `Tag ${w}` })
  const category = await createTerm(db, 'categories', { name: `Category ${w}` })
  // Uploaded without running its variants job: the job is one of the writes.
  const cover = await uploadMedia(db, store, editor, {
    bytes: await makeImage('jpeg', { width: 700, height: 400 }),
    filename: 'c.jpg',
    alt: 'Cover',
  })
  const published = async (type: 'post' | 'page', title: string) => {
    const { row } = await createContent(db, type, writer, { title, slug: `${type}-${word()}`, body: `First words about ${w}.` })
    // A second revision, so that restoring the first changes something.
    await updateContent(db, type, editor, row.id, {
      title: `${title} (edited)`,
      body: `Edited words about ${w}.`,
      cover: { id: cover.id },
      ...(type === 'post' ? { tags: [{ id: tag.id }], categories: [{ id: category.id }] } : {}),
    })
    return (await publishContent(db, type, row.id)).row
  }
  const post = await published('post', `Post ${w}`)
  const other = await published('post', `Other ${w}`)
  const page = await published('page', `Page ${w}`)
  const draft = (await createContent(db, 'post', writer, { title: `Draft ${w}`, slug: `draft-${word()}`, body: w })).row
  const draftPage = (await createContent(db, 'page', writer, { title: `Draft page ${w}`, slug: `draft-page-${word()}`, body: w })).row
  const productCategory = await createCategory(db, { name: `Shelf ${w}` })
  const product = await createProduct(db, {
    sku: `P-${w}`,
    name: `Product ${w}`,
    price_minor: 1999,
    stock: 3,
    status: 'active',
    description: `Made for ${w}.`,
    attributes: { colour: 'red' },
    category_ids: [productCategory.id],
    images: [{ media_id: cover.id, alt: 'Product' }],
  })
  const draftProduct = await createProduct(db, {
    sku: `Q-${w}`,
    name: `Draft product ${w}`,
    price_minor: 999,
    category_ids: [productCategory.id],
  })
  const pages = [
    '/',
    '/blog',
    `/blog/${post.slug}`,
    `/blog/${other.slug}`,
    `/${page.slug}`,
    `/tag/${tag.slug}`,
    `/category/${category.slug}`,
    '/feed.xml',
    '/sitemap.xml',
    `/search?q=${w}`,
    '/products',
    `/products/category/${productCategory.slug}`,
    `/products/${product.slug}`,
    // Not found until published.
    `/blog/${draft.slug}`,
    `/${draftPage.slug}`,
    `/products/${draftProduct.slug}`,
  ]
  return {
    testApp,
    clock,
    admin: await adminHeaders(testApp),
    word: w,
    writer,
    tag,
    category,
    cover,
    post,
    other,
    page,
    draft,
    draftPage,
    product,
    draftProduct,
    productCategory,
    pages,
  }
}

describe('every write records the tags of the public pages it changes', () => {
  test('the table covers every write route and every job of the app', async (t) => {
    const { testApp } = await coverageApp(t)
    await testApp.app.ready()
    const writes = routeTable(testApp.app.printRoutes({ commonPrefix: false })).filter((route) =>
      UNSAFE_METHODS.has(route.split(' ')[0] as string),
    )
    assert.ok(writes.includes('PATCH /api/v1/posts/:id'), 'the route table was read')
    const jobs = Object.keys(jobHandlers(testApp.deps)).map((name) => `job ${name}`)
    const covered = new Set([...WRITES, ...PRODUCT_WRITES, ...EMPTY_SITE_WRITES].map((write) => write.covers))
    const missing = [...writes, ...jobs].filter((write) => !covered.has(write) && !(write in EXEMPT))
    assert.deepEqual(missing, [], 'add these to the coverage table (or to EXEMPT, saying why no public page can change)')
    const stale = [...covered, ...Object.keys(EXEMPT)].filter((entry) => !writes.includes(entry) && !jobs.includes(entry))
    assert.deepEqual(stale, [], 'these entries name no route or job of the app')
  })

  for (const write of [...WRITES, ...PRODUCT_WRITES]) {
    test(`${write.covers}: ${write.does}`, async (t) => {
      const world = await makeWorld(await coverageApp(t))
      const { changed, uncovered } = await checkWrite(world.testApp, world.pages, () => write.run(world))
      assert.deepEqual(uncovered, [])
      if (write.changesPages) assert.ok(changed.length > 0, 'expected the write to change a public page')
    })
  }

  for (const write of EMPTY_SITE_WRITES) {
    test(`${write.covers}: ${write.does}`, async (t) => {
      const { testApp, clock } = await coverageApp(t, { privateDatabase: true })
      const pages = ['/', '/blog', '/feed.xml', '/sitemap.xml', '/search?q=hello', '/no-such-page']
      // Only the app and the clock: nothing else exists yet.
      const world = { testApp, clock } as World
      const { changed, uncovered } = await checkWrite(testApp, pages, () => write.run(world))
      assert.deepEqual(uncovered, [])
      if (write.changesPages) assert.deepEqual(changed, ['/'], 'the welcome page gives way to the empty home page')
    })
  }

  test('the check catches a write that records nothing (the harness is not vacuous)', async (t) => {
    const world = await makeWorld(await coverageApp(t))
    const { db } = world.testApp.deps
    const { changed, uncovered } = await checkWrite(world.testApp, world.pages, () =>
      sql`update users set name = 'Renamed behind the feed' where id = ${world.writer.id}`.execute(db),
    )
    assert.ok(changed.length > 0)
    assert.equal(uncovered.length, changed.length)
  })
})
