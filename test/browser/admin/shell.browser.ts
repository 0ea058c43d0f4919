// The admin shell in Chromium (issue 13): sign-in, the dashboard, the navigation a role
// sees, signing out, session expiry; axe-core, screenshots and no console/CSP errors on
// every screen. `npm run build:admin` first (npm install does it); `npm run test:browser`.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type AdminHarness, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness

before(async () => {
  admin = await startAdmin(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

describe('the admin shell', () => {
  test('an administrator signs in at /admin/sign-in and lands on the dashboard', async () => {
    const user = await admin.user('admin', { name: 'Ada Admin' })
    const tab = await admin.page()
    await tab.page.goto(`${admin.origin}/admin/sign-in`)
    await tab.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await admin.check(tab, 'sign-in')
    await admin.signIn(tab.page, user.email)
    assert.equal(new URL(tab.page.url()).pathname, '/admin')
    await tab.page.getByText('Welcome, Ada Admin.').waitFor()
    await admin.check(tab, 'dashboard')
  })
})
