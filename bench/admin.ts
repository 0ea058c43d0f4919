/**
 * The bench's administrator: made once per app through the one-time setup link
 * the server logs when it has none (sign-up is off on a new site), shared by the
 * login bench and the scenarios that write (the product stock).
 */
import { randomBytes } from 'node:crypto'
import { request } from './http.ts'
import type { App } from './startup.ts'

const made = new WeakMap<App, Promise<{ email: string; password: string }>>()

export function firstAdmin(app: App): Promise<{ email: string; password: string }> {
  let admin = made.get(app)
  if (!admin) {
    admin = makeAdmin(app)
    made.set(app, admin)
  }
  return admin
}

async function makeAdmin(app: App) {
  const credentials = {
    email: `bench-${randomBytes(4).toString('hex')}@example.com`,
    password: `bench ${randomBytes(12).toString('base64url')} lantern over a quiet harbour`,
  }
  const setupUrl = app.child
    .output()
    .split('\n')
    .map((line) => /"setupUrl":"([^"]+)"/.exec(line)?.[1])
    .findLast((url) => url !== undefined)
  const token = setupUrl ? new URL(setupUrl).searchParams.get('token') : null
  if (!token) throw new Error('the server logged no setup link (a site without an administrator logs one at start)')
  const setup = await request(`${app.base}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials, token, name: 'Bench Admin' }),
  })
  if (setup.status !== 201) throw new Error(`setup answered ${setup.status}, expected 201: ${setup.body.toString('utf8').slice(0, 300)}`)
  return credentials
}
