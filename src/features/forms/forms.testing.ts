// Test helpers of the forms feature (used by its *.test.ts files and the browser test only).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { type TestClock, testClock } from '../../../test/clock.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'
import type { CreateFormBody } from './forms.schemas.ts'
import { MIN_FILL_MS } from './forms.spam.ts'

export type FormsTestApp = TestApp & { clock: TestClock; dataDir: string; editor: Record<string, string> }

/** An app with a test clock and its own DATA_DIR (submission files go under it), and a signed-in editor's headers. */
export async function buildFormsApp(
  t: Pick<TestContext, 'after'>,
  options: { env?: Record<string, string>; role?: Role; privateDatabase?: boolean; start?: Date } = {},
): Promise<FormsTestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-forms-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  // A fixed day by default; tests that run queued jobs start at the real time (a job's run_at is the database's now()).
  const clock = testClock(options.start ?? '2026-03-14T10:00:00Z')
  const testApp = await buildTestApp(t, { clock, env: { DATA_DIR: dataDir, ...options.env }, privateDatabase: options.privateDatabase })
  const user = await createUser(testApp.database.db, { role: options.role ?? 'editor' })
  const session = await logIn(testApp.app, user.email)
  return { ...testApp, clock, dataDir, editor: { cookie: session.cookie, 'x-csrf-token': session.csrf } }
}

export const uniqueSlug = (label = 'form') => `${label}-${randomBytes(4).toString('hex')}`

/** A contact form: name, email (reply-to), topic, message, consent. */
export const contactForm = (overrides: Partial<CreateFormBody> = {}): CreateFormBody => ({
  name: 'Contact us',
  slug: uniqueSlug('contact'),
  fields: [
    { name: 'name', label: 'Your name', type: 'text', required: true, max_length: 100 },
    { name: 'email', label: 'Email', type: 'email', required: true, help: 'We reply to this address.' },
    { name: 'topic', label: 'Topic', type: 'select', options: ['Sales', 'Support'] },
    { name: 'message', label: 'Message', type: 'textarea', required: true, min_length: 5 },
    { name: 'consent', label: 'I agree to be contacted', type: 'consent', required: true },
  ],
  notify_emails: [],
  ...overrides,
})

/** Creates a form through the API as the editor; returns its JSON. */
export async function createFormVia(testApp: FormsTestApp, body: CreateFormBody) {
  const response = await testApp.app.inject({ method: 'POST', url: '/api/v1/forms', headers: testApp.editor, payload: body })
  assert.equal(response.statusCode, 201, response.body)
  return response.json() as { id: number; slug: string; version: number }
}

/** A fresh render token for `slug` (as a headless front end gets it), with the clock moved past the minimum fill time. */
export async function tokenFor(testApp: FormsTestApp, slug: string, options: { wait?: boolean } = {}) {
  const response = await testApp.app.inject({ method: 'POST', url: `/api/v1/forms/${slug}/tokens` })
  assert.equal(response.statusCode, 201, response.body)
  if (options.wait !== false) testApp.clock.advance(MIN_FILL_MS + 2000)
  return (response.json() as { token: string }).token
}

/** The render token in a form page's HTML. */
export const tokenIn = (html: string) => {
  const match = /name="_token" value="([^"]+)"/.exec(html)
  assert.ok(match, 'the page has a render token')
  return match[1] as string
}

export const urlencoded = (values: Record<string, string | string[]>) => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(values)) for (const item of Array.isArray(value) ? value : [value]) params.append(key, item)
  return params.toString()
}

export const goodValues = { name: 'Rosa', email: 'rosa@example.com', topic: 'Sales', message: 'Hello there, a question.', consent: 'on' }
