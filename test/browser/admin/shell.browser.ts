// The admin shell in Chromium (issue 13): the setup link → the first administrator, signed
// in → dashboard → sign out; sign-in with a two-factor code and with a recovery code; a
// password reset by mail (a real SMTP server) → the confirm screen → sign in; session expiry
// (back to sign-in, then to the same screen); what an author and a member see. axe-core,
// screenshots at 1280 and 390 px and no console/CSP errors on every screen this file owns.
// `npm run build:admin` first (npm install does it); `npm run test:browser`.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import * as OTPAuth from 'otpauth'
import type { Page } from 'playwright-core'
import { sql } from '../../../src/core/db/database.ts'
import { type JobWorker, startJobWorker } from '../../../src/core/jobs/queue.ts'
import { prepareSetupLink } from '../../../src/features/users/admin/setup.service.ts'
import { jobHandlers } from '../../../src/jobs.ts'
import { logIn, TEST_PASSWORD } from '../../factories.ts'
import { startSmtpServer } from '../../smtp.ts'
import { waitFor } from '../../wait-for.ts'
import { type AdminHarness, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness
let smtp: Awaited<ReturnType<typeof startSmtpServer>>

before(async () => {
  smtp = await startSmtpServer({ after: (fn) => void cleanups.push(fn as () => unknown) })
  // A database of its own: the first test sets up a site that has no administrator yet.
  admin = await startAdmin(cleanups, { env: { SMTP_URL: smtp.url }, privateDatabase: true })
  // The app's clock stands still (TOTP codes, sessions); the worker runs by the real one, so queued mail goes out at once.
  const worker: JobWorker = startJobWorker({
    db: admin.testApp.database.db,
    clock: () => new Date(),
    log: admin.testApp.app.log,
    pollMs: 50,
    handlers: jobHandlers(admin.testApp.deps),
  })
  cleanups.push(() => worker.stop())
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor()
const pathOf = (page: Page) => {
  const url = new URL(page.url())
  return url.pathname + url.search
}

/** Turns two-factor on for `email` through the API (as the profile screen does); answers the secret and the recovery codes. */
async function enableTwoFactor(email: string) {
  const { app } = admin.testApp
  const { cookie, csrf } = await logIn(app, email)
  const headers = { cookie, 'x-csrf-token': csrf }
  const setup = await app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers })
  assert.equal(setup.statusCode, 200, setup.body)
  const secret = setup.json().secret as string
  const enabled = await app.inject({ method: 'POST', url: '/api/v1/auth/totp/enable', headers, payload: { code: totpCode(secret) } })
  assert.equal(enabled.statusCode, 200, enabled.body)
  return { secret, recoveryCodes: enabled.json().recovery_codes as string[] }
}

/** The code an authenticator shows at the app's time (the server checks codes on the same clock, and each step once). */
const totpCode = (secret: string) =>
  new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) }).generate({
    timestamp: admin.clock().getTime(),
  })

describe('the admin shell', () => {
  test('the setup link creates the first administrator, who lands signed in on the dashboard and signs out', async () => {
    const link = await prepareSetupLink(admin.testApp.database.db, admin.origin, admin.clock())
    assert.ok(link, 'a site without an administrator has a setup link')
    const tab = await admin.page()
    await tab.page.goto(link)
    await heading(tab.page, 'Create the first administrator')
    await admin.check(tab, 'setup')

    // A weak password is refused next to its field; nothing is created.
    await tab.page.getByLabel('Email').fill('owner@example.com')
    await tab.page.getByLabel('Name').fill('Olive Owner')
    await tab.page.getByLabel('Password').fill('password')
    await tab.page.getByRole('button', { name: 'Create administrator' }).click()
    const error = tab.page.locator('#field-password-error')
    await error.waitFor()
    assert.equal(await tab.page.getByLabel('Password').getAttribute('aria-invalid'), 'true')
    assert.match(String(await tab.page.getByLabel('Password').getAttribute('aria-describedby')), /field-password-error/)

    await tab.page.getByLabel('Password').fill('a long owner passphrase')
    await tab.page.getByRole('button', { name: 'Create administrator' }).click()
    await heading(tab.page, 'Dashboard')
    assert.equal(pathOf(tab.page), '/admin')
    await tab.page.getByText('Welcome, Olive Owner.').waitFor()
    // The admin's own sign-in is the newest security event.
    await tab.page.getByRole('cell', { name: 'owner@example.com' }).first().waitFor()
    await admin.check(tab, 'dashboard')

    // The link is spent.
    const again = await admin.page()
    await again.page.goto(link)
    await again.page.getByLabel('Email').fill('second@example.com')
    await again.page.getByLabel('Name').fill('Second')
    await again.page.getByLabel('Password').fill('another long passphrase')
    await again.page.getByRole('button', { name: 'Create administrator' }).click()
    await again.page
      .getByRole('alert')
      .getByText(/setup link is invalid, used or expired/)
      .waitFor()

    await tab.page.getByRole('button', { name: 'Sign out' }).click()
    await heading(tab.page, 'Sign in')
    const me = (await tab.page.evaluate(`fetch('/api/v1/auth/me').then((r) => r.status)`)) as number
    assert.equal(me, 401, 'the session ended')
  })

  test('with two-factor on, sign-in asks for the code; a recovery code works instead, once', async () => {
    const user = await admin.user('editor', { name: 'Tess Totp' })
    const { secret, recoveryCodes } = await enableTwoFactor(user.email)
    admin.clock.advance(30_000) // the next time step: the enabling code is spent

    const tab = await admin.page()
    await tab.page.goto(`${admin.origin}/admin/sign-in`)
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByLabel('Password').fill(TEST_PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await tab.page.getByLabel('Two-factor code').waitFor()
    await admin.check(tab, 'sign-in-code')
    await tab.page.getByLabel('Two-factor code').fill('000000')
    await tab.page.getByRole('button', { name: 'Verify' }).click()
    await tab.page.getByRole('alert').getByText('The two-factor code is wrong or was already used.').waitFor()
    await tab.page.getByLabel('Two-factor code').fill(totpCode(secret))
    await tab.page.getByRole('button', { name: 'Verify' }).click()
    await heading(tab.page, 'Dashboard')
    await tab.page.getByRole('button', { name: 'Sign out' }).click()
    await heading(tab.page, 'Sign in')

    const recoveryCode = recoveryCodes[0] as string
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByLabel('Password').fill(TEST_PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await tab.page.getByRole('button', { name: 'Use a recovery code instead' }).click()
    await tab.page.getByLabel('Recovery code').fill(recoveryCode)
    await admin.check(tab, 'sign-in-recovery-code')
    await tab.page.getByRole('button', { name: 'Verify' }).click()
    await heading(tab.page, 'Dashboard')
    await tab.page.getByRole('button', { name: 'Sign out' }).click()

    // Spent: the same recovery code is refused the second time.
    await heading(tab.page, 'Sign in')
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByLabel('Password').fill(TEST_PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await tab.page.getByRole('button', { name: 'Use a recovery code instead' }).click()
    await tab.page.getByLabel('Recovery code').fill(recoveryCode)
    await tab.page.getByRole('button', { name: 'Verify' }).click()
    await tab.page.getByRole('alert').getByText('The two-factor code is wrong or was already used.').waitFor()
    assert.equal(new URL(tab.page.url()).pathname, '/admin/sign-in')
  })

  test('a forgotten password: the mailed link opens the confirm screen, and the new password signs in', async () => {
    const user = await admin.user('author', { name: 'Fay Forgetful' })
    const tab = await admin.page()
    await tab.page.goto(`${admin.origin}/admin/sign-in`)
    await tab.page.getByRole('link', { name: 'Forgot your password?' }).click()
    await heading(tab.page, 'Reset your password')
    await admin.check(tab, 'password-reset')
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByRole('button', { name: 'Send the link' }).click()
    await tab.page
      .getByRole('status')
      .getByText(/a link to choose a new password is on its way/)
      .waitFor()

    const mail = await waitFor('the reset mail', () =>
      smtp.received.find((message) => JSON.stringify(message.to ?? '').includes(user.email)),
    )
    const link = /https?:\/\/\S+\/admin\/password-reset\/confirm\?token=[\w-]+/.exec(mail.text ?? '')?.[0]
    assert.ok(link, `the mail links to the admin's confirm screen: ${mail.text}`)
    assert.equal(new URL(link).origin, admin.origin)

    await tab.page.goto(link)
    await heading(tab.page, 'Choose a new password')
    await admin.check(tab, 'password-reset-confirm')
    await tab.page.getByLabel('New password').fill('short')
    await tab.page.getByRole('button', { name: 'Set the password' }).click()
    await tab.page.locator('#field-password-error').waitFor()
    await tab.page.getByLabel('New password').fill('a new remembered passphrase')
    await tab.page.getByRole('button', { name: 'Set the password' }).click()
    await heading(tab.page, 'Password changed')
    await tab.page.getByRole('link', { name: 'Sign in' }).click()
    await heading(tab.page, 'Sign in')
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByLabel('Password').fill(TEST_PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await tab.page.getByRole('alert').waitFor()
    await tab.page.getByLabel('Password').fill('a new remembered passphrase')
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await heading(tab.page, 'Dashboard')
    assert.deepEqual(tab.problems, [])
  })

  test('the link in a sign-up’s confirmation mail opens the admin’s confirm screen, which verifies the address once', async () => {
    const boss = await admin.user('admin')
    const { cookie, csrf } = await logIn(admin.testApp.app, boss.email)
    const settings = await admin.testApp.app.inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { signup_enabled: true },
    })
    assert.equal(settings.statusCode, 200, settings.body)
    const email = `vera-${Date.now()}@example.com`
    const signup = await admin.testApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'a fine long passphrase', name: 'Vera' },
    })
    assert.equal(signup.statusCode, 202, signup.body)
    const verifiedAt = () =>
      sql<{ email_verified_at: Date | null }>`select email_verified_at from users where email = ${email}`
        .execute(admin.testApp.database.db)
        .then((r) => r.rows[0]?.email_verified_at)
    assert.equal(await verifiedAt(), null)

    const mail = await waitFor('the confirmation mail', () =>
      smtp.received.find((message) => JSON.stringify(message.to ?? '').includes(email)),
    )
    const link = /https?:\/\/\S+\/admin\/verify-email\?token=[\w-]+/.exec(mail.text ?? '')?.[0]
    assert.ok(link, `the mail links to the admin's verify screen: ${mail.text}`)
    assert.equal(new URL(link).origin, admin.origin)

    const tab = await admin.page()
    await tab.page.goto(link)
    await heading(tab.page, 'Confirm your email address')
    await admin.check(tab, 'verify-email')
    await tab.page.getByRole('button', { name: 'Confirm my address' }).click()
    await heading(tab.page, 'Address confirmed')
    await admin.check(tab, 'verify-email-done')
    assert.ok(await verifiedAt(), 'the address is verified')
    // The link works once; the screen says so and where to go.
    await tab.page.goto(link)
    await tab.page.getByRole('button', { name: 'Confirm my address' }).click()
    await tab.page
      .getByRole('alert')
      .getByText(/This link is invalid, used or expired/)
      .waitFor()
    await tab.page.getByRole('link', { name: 'Sign in' }).waitFor()
    // Without a token there is nothing to confirm.
    await tab.page.goto(`${admin.origin}/admin/verify-email`)
    await tab.page.getByText('Open this page with the link from the confirmation mail.').waitFor()
    assert.equal(await tab.page.getByRole('button', { name: 'Confirm my address' }).isDisabled(), true)
    assert.deepEqual(tab.problems, [])
  })

  test('an ended session sends the user to sign in, then back to the screen they asked for', async () => {
    const user = await admin.user('admin', { name: 'Sid Session' })
    const tab = await admin.page()
    await admin.signIn(tab.page, user.email)
    // The server ends the session (an administrator revoked it, or it expired).
    await sql`delete from sessions where user_id = ${user.id}`.execute(admin.testApp.database.db)
    await tab.page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit log' }).click()
    await heading(tab.page, 'Sign in')
    assert.equal(pathOf(tab.page), `/admin/sign-in?next=${encodeURIComponent('/admin/audit')}`)
    await tab.page.getByText('Sign in to go on where you were.').waitFor()
    await tab.page.getByLabel('Email').fill(user.email)
    await tab.page.getByLabel('Password').fill(TEST_PASSWORD)
    await tab.page.getByRole('button', { name: 'Sign in' }).click()
    await heading(tab.page, 'Audit log')
    assert.equal(new URL(tab.page.url()).pathname, '/admin/audit')

    // Opening an admin address while signed out goes the same way; ?next= never leaves the admin.
    const other = await admin.page()
    await other.page.goto(`${admin.origin}/admin/settings?tab=x`)
    await heading(other.page, 'Sign in')
    assert.equal(pathOf(other.page), `/admin/sign-in?next=${encodeURIComponent('/admin/settings?tab=x')}`)
    await other.page.goto(`${admin.origin}/admin/sign-in?next=${encodeURIComponent('https://evil.example/')}`)
    await other.page.getByLabel('Email').fill(user.email)
    await other.page.getByLabel('Password').fill(TEST_PASSWORD)
    await other.page.getByRole('button', { name: 'Sign in' }).click()
    await heading(other.page, 'Dashboard')
    assert.equal(new URL(other.page.url()).origin, admin.origin)
  })

  test('an author sees only what an author may open; an admin address names the role it needs; unknown addresses say so', async () => {
    const user = await admin.user('author', { name: 'Ann Author' })
    const tab = await admin.page()
    await admin.signIn(tab.page, user.email)
    const nav = tab.page.getByRole('navigation', { name: 'Admin' })
    await nav.getByRole('link', { name: 'Posts' }).waitFor()
    const links = await nav.getByRole('link').allTextContents()
    for (const adminOnly of ['Users', 'Settings', 'Audit log', 'Outgoing mail', 'Jobs']) {
      assert.ok(!links.includes(adminOnly), `an author's navigation has no ${adminOnly}: ${links.join(', ')}`)
    }
    // The dashboard shows an author their own counts, and none of the admin's lists.
    assert.equal(await tab.page.getByRole('heading', { name: 'Recent security events' }).count(), 0)
    assert.equal(await tab.page.getByRole('heading', { name: 'Failed jobs' }).count(), 0)

    await tab.page.goto(`${admin.origin}/admin/settings`)
    await tab.page.getByText('This screen needs the admin role or higher.').waitFor()
    await admin.check(tab, 'needs-role')
    await tab.page.goto(`${admin.origin}/admin/no/such/screen`)
    await heading(tab.page, 'Page not found')
    await admin.check(tab, 'not-found')

    // A member has nothing to manage: a welcome and their profile.
    const member = await admin.user('member', { name: 'Mo Member' })
    const memberTab = await admin.page()
    await admin.signIn(memberTab.page, member.email)
    await memberTab.page.getByRole('link', { name: 'your profile', exact: true }).waitFor()
    const memberLinks = await memberTab.page.getByRole('navigation', { name: 'Admin' }).getByRole('link').allTextContents()
    assert.ok(!memberLinks.includes('Posts'), memberLinks.join(', '))
    await admin.check(memberTab, 'dashboard-member')
  })
})
