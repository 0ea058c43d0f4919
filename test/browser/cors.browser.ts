// CORS in a real browser (issue 10, item 1; decision 0016): Debian's Chromium
// (/usr/bin/chromium) driven by playwright-core, on the database under test
// (`npm run test:browser`). A plain node:http server on a second port serves a
// front end's page; the page's own script calls the API on the app's port, as a
// Vite dev server's page on http://localhost:5173 calls a Plinth on :3000.
//
// The same page server is reached under two names: http://localhost:<port> is
// listed in CORS_ORIGINS (and is the same *site* as the API on
// http://localhost:<port>, so the Lax session cookie goes along with
// `credentials: 'include'`), http://127.0.0.1:<port> is an unlisted origin.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { TestApp } from '../app.ts'
import { createUser, logIn, TEST_PASSWORD } from '../factories.ts'
import { listenTestApp } from '../listen.ts'
import { launchChromium } from './chromium.ts'

const cleanups: (() => unknown)[] = []
let testApp: TestApp
let api: string
let listedPage: string
let unlistedPage: string
let browser: Browser

/** The front end: one small HTML page, nothing else (its script is what page.evaluate runs in it). */
async function startPageServer(): Promise<number> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end('<!doctype html><html lang="en"><title>A front end</title><h1>A front end on another origin</h1></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as AddressInfo).port
}

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-cors-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const pagePort = await startPageServer()
  listedPage = `http://localhost:${pagePort}`
  unlistedPage = `http://127.0.0.1:${pagePort}`
  // The app on a free port, with PUBLIC_URL http://localhost:<port> and the front end's origin listed.
  ;({ testApp, origin: api } = await listenTestApp(cleanups, { host: 'localhost', env: { DATA_DIR: dataDir, CORS_ORIGINS: listedPage } }))
  browser = await launchChromium(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** A fresh browser context (its own cookies) with the front end's page open at `origin`. */
async function openFrontEnd(t: { after: (fn: () => unknown) => void }, origin: string): Promise<Page> {
  const context = await browser.newContext()
  t.after(() => context.close())
  const page = await context.newPage()
  const response = await page.goto(`${origin}/`)
  assert.equal(response?.status(), 200)
  return page
}

/** An author and a write-scoped API token, made over the API from the site's own origin. */
async function authorWithToken() {
  const user = await createUser(testApp.deps.db, { role: 'author', verified: true })
  const session = await logIn(testApp.app, user.email)
  const response = await testApp.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    payload: { name: 'front end', scopes: ['write'] },
  })
  assert.equal(response.statusCode, 201, response.body)
  return { user, token: response.json().token as string }
}

type Outcome = { status: number; body: Record<string, unknown> } | { rejected: string }

describe('CORS from a page on another origin, in Chromium', () => {
  test('a listed origin: anonymous read, token write, cookie sign-in and a CSRF-protected write', async (t) => {
    const page = await openFrontEnd(t, listedPage)
    const { user, token } = await authorWithToken()
    const results = await page.evaluate(
      async ({ api, token, email, password }) => {
        const call = async (url: string, init: RequestInit = {}): Promise<Outcome> => {
          try {
            const response = await fetch(`${api}${url}`, init)
            const text = await response.text()
            return { status: response.status, body: text ? JSON.parse(text) : {} }
          } catch (error) {
            return { rejected: (error as Error).name }
          }
        }
        const json = { 'content-type': 'application/json' }
        const read = await call('/api/v1/site')
        const tokenWrite = await call('/api/v1/posts', {
          method: 'POST',
          headers: { ...json, authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: 'Written with a token' }),
        })
        const signIn = await call('/api/v1/auth/login', {
          method: 'POST',
          credentials: 'include',
          headers: json,
          body: JSON.stringify({ email, password }),
        })
        const me = await call('/api/v1/auth/me', { credentials: 'include' })
        const withoutCsrf = await call('/api/v1/posts', {
          method: 'POST',
          credentials: 'include',
          headers: json,
          body: JSON.stringify({ title: 'No CSRF token' }),
        })
        const csrf = await call('/api/v1/auth/csrf', { credentials: 'include' })
        const cookieWrite = await call('/api/v1/posts', {
          method: 'POST',
          credentials: 'include',
          headers: { ...json, 'x-csrf-token': 'status' in csrf ? String(csrf.body.token) : '' },
          body: JSON.stringify({ title: 'Written with the session cookie' }),
        })
        return { read, tokenWrite, signIn, me, withoutCsrf, cookieWrite }
      },
      { api, token, email: user.email, password: TEST_PASSWORD },
    )
    assert.deepEqual(results.read, {
      status: 200,
      body: { title: 'My Plinth site', description: 'A new website built on Plinth.', language: 'en', currency: 'EUR' },
    })
    assert.equal('status' in results.tokenWrite && results.tokenWrite.status, 201, JSON.stringify(results.tokenWrite))
    assert.equal('status' in results.tokenWrite && results.tokenWrite.body.title, 'Written with a token')
    assert.equal('status' in results.signIn && results.signIn.status, 200, JSON.stringify(results.signIn))
    assert.equal('status' in results.me && results.me.body.email, user.email, JSON.stringify(results.me))
    // The front end can read why a write was refused: the answer carries the CORS headers.
    assert.deepEqual('status' in results.withoutCsrf && [results.withoutCsrf.status, results.withoutCsrf.body.code], [
      403,
      'csrf_token_missing',
    ])
    assert.equal('status' in results.cookieWrite && results.cookieWrite.status, 201, JSON.stringify(results.cookieWrite))
    assert.equal('status' in results.cookieWrite && results.cookieWrite.body.title, 'Written with the session cookie')
  })

  test('an unlisted origin: anonymous reads work; token writes, sign-in and simple cross-origin POSTs are refused', async (t) => {
    const page = await openFrontEnd(t, unlistedPage)
    const { user, token } = await authorWithToken()
    const logLinesBefore = testApp.logs().length
    const results = await page.evaluate(
      async ({ api, token, email, password }) => {
        const call = async (url: string, init: RequestInit = {}): Promise<Outcome> => {
          try {
            const response = await fetch(`${api}${url}`, init)
            const text = await response.text()
            return { status: response.status, body: text ? JSON.parse(text) : {} }
          } catch (error) {
            return { rejected: (error as Error).name }
          }
        }
        const read = await call('/api/v1/site')
        const tokenRead = await call('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } })
        const tokenWrite = await call('/api/v1/posts', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: 'Not from here' }),
        })
        const signIn = await call('/api/v1/auth/login', {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        })
        // A "simple" request: no preflight, so it reaches the server, which refuses it.
        const simplePost = await call('/api/v1/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ email, password }),
        })
        return { read, tokenRead, tokenWrite, signIn, simplePost }
      },
      { api, token, email: user.email, password: TEST_PASSWORD },
    )
    assert.equal('status' in results.read && results.read.status, 200, JSON.stringify(results.read))
    for (const refused of ['tokenRead', 'tokenWrite', 'signIn', 'simplePost'] as const) {
      assert.deepEqual(results[refused], { rejected: 'TypeError' }, refused)
    }
    // What reached the server was answered 403 (the simple POST), the preflights too; nothing was written.
    const lines = testApp
      .logs()
      .slice(logLinesBefore)
      .filter((line) => line.path === '/api/v1/auth/login' || line.path === '/api/v1/posts')
    const statuses = lines.map((line) => `${line.method} ${line.path} ${line.status}`)
    assert.ok(statuses.includes('POST /api/v1/auth/login 403'), statuses.join('\n'))
    assert.ok(statuses.includes('OPTIONS /api/v1/posts 403'), statuses.join('\n'))
    assert.ok(!statuses.some((line) => line.startsWith('POST /api/v1/posts')), statuses.join('\n'))
  })
})
