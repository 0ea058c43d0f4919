// The admin's people, site and system screens in Chromium (issue 13): invite by e-mail →
// the mail reaches a real SMTP server → the link makes the account → it signs in with the
// invited role; change a role and disable an account; the profile's two-factor set-up
// (the key read from the screen, the code computed), an API token created and revoked, a
// session signed out; a settings field error shown next to its field; the audit log,
// outgoing mail and jobs screens. axe, screenshots at 1280/390 px and no console/CSP
// errors on each screen. `npm run build:admin` first.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import * as OTPAuth from 'otpauth'
import { sql } from '../../../src/core/db/database.ts'
import { enqueueJob, type JobWorker, startJobWorker } from '../../../src/core/jobs/queue.ts'
import { jobHandlers } from '../../../src/jobs.ts'
import { startSmtpServer } from '../../smtp.ts'
import { waitFor } from '../../wait-for.ts'
import { type AdminHarness, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness
let smtp: Awaited<ReturnType<typeof startSmtpServer>>

before(async () => {
  smtp = await startSmtpServer({ after: (fn) => void cleanups.push(fn as () => unknown) })
  admin = await startAdmin(cleanups, { env: { SMTP_URL: smtp.url } })
  // The harness's clock stands still (TOTP codes, sessions); the worker runs by the real one, so
  // queued mail (due at the database's now) goes out at once.
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

const PASSWORD = 'an invited person’s passphrase'

/** The signed-in user as the API sees them, from inside the page. */
const me = (page: import('playwright-core').Page) =>
  page.evaluate(`fetch('/api/v1/auth/me').then((r) => r.status === 200 ? r.json() : { status: r.status })`) as Promise<{
    role?: string
    status?: number
  }>

/** Opens a screen from the admin's navigation (the dashboard links to some of them too). */
const openFromNav = (page: import('playwright-core').Page, name: string) =>
  page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true }).click()

describe('people, site and system screens', () => {
  test('an administrator invites someone by e-mail; the link makes their account and they sign in with the invited role', async () => {
    const boss = await admin.user('admin', { name: 'Ada Admin' })
    const tab = await admin.page()
    await admin.signIn(tab.page, boss.email)
    await openFromNav(tab.page, 'Users')
    await tab.page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await admin.check(tab, 'users')

    const email = `invited-${Date.now()}@example.com`
    await tab.page.getByLabel('E-mail address').fill(email)
    await tab.page.getByLabel('Their role').selectOption('editor')
    await tab.page.getByRole('button', { name: 'Send invitation' }).click()
    await tab.page.getByRole('cell', { name: email, exact: true }).waitFor()

    const mail = await waitFor(
      'the invitation mail',
      () => smtp.received.find((message) => JSON.stringify(message.to ?? '').includes(email)),
      {
        timeoutMs: 20_000,
      },
    )
    const link = /https?:\/\/\S+\/admin\/accept-invitation\?token=[\w-]+/.exec(mail.text ?? '')?.[0]
    assert.ok(link, `the mail has the link: ${mail.text}`)

    const invited = await admin.page()
    await invited.page.goto(link)
    await invited.page.getByRole('heading', { level: 1, name: 'Accept an invitation' }).waitFor()
    await admin.check(invited, 'accept-invitation')
    await invited.page.getByLabel('Your name').fill('Ines Invited')
    await invited.page.getByLabel('Password').fill('short')
    await invited.page.getByRole('button', { name: 'Create my account' }).click()
    await invited.page.locator('#field-password-error').waitFor()
    await invited.page.getByLabel('Password').fill(PASSWORD)
    await invited.page.getByRole('button', { name: 'Create my account' }).click()
    await invited.page.getByRole('heading', { level: 1, name: 'Your account is ready' }).waitFor()
    await invited.page.getByRole('link', { name: 'Sign in' }).click()
    await admin.signIn(invited.page, email, PASSWORD)
    assert.equal((await me(invited.page)).role, 'editor')
    // The role's limits: an editor's navigation has no Users, Settings or System screens.
    const nav = invited.page.getByRole('navigation', { name: 'Admin' })
    assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0)
    assert.equal(await nav.getByRole('link', { name: 'Settings' }).count(), 0)
    assert.equal(await nav.getByRole('link', { name: 'Jobs' }).count(), 0)
    assert.deepEqual(invited.problems, [])

    // The accepted invitation has left the pending list.
    await tab.page.reload()
    await tab.page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await tab.page.getByText('No pending invitations.').waitFor()
    assert.deepEqual(tab.problems, [])
  })

  test('an administrator changes a role and disables an account', async () => {
    const boss = await admin.user('admin')
    const member = await admin.user('member', { name: 'Mona Member' })
    const tab = await admin.page()
    await admin.signIn(tab.page, boss.email)
    await tab.page.goto(`${admin.origin}/admin/users?q=${encodeURIComponent(member.email)}`)
    await tab.page.getByRole('cell', { name: member.email }).waitFor()
    await tab.page.getByLabel('Role of Mona Member').selectOption('author')
    await tab.page.getByText('Mona Member is now author').waitFor()
    const db = admin.testApp.database.db
    const role = await sql<{ role: string }>`select role from users where id = ${member.id}`.execute(db)
    assert.equal(role.rows[0]?.role, 'author')

    await tab.page.getByRole('button', { name: 'Disable Mona Member' }).click()
    const dialog = tab.page.getByRole('dialog', { name: 'Disable this account?' })
    await dialog.getByRole('button', { name: 'Disable' }).click()
    await tab.page.getByText('Mona Member is disabled.').waitFor()
    await tab.page.getByRole('cell', { name: 'Disabled', exact: true }).waitFor()
    const disabled = await sql<{ disabled_at: Date | null }>`select disabled_at from users where id = ${member.id}`.execute(db)
    assert.notEqual(disabled.rows[0]?.disabled_at, null)
    await admin.check(tab, 'users-changed')
  })

  test('profile: two-factor set up from the shown key, an API token created and revoked, another session signed out', async () => {
    const author = await admin.user('author', { name: 'Arturo Author' })
    const elsewhere = await admin.page()
    await admin.signIn(elsewhere.page, author.email)
    const tab = await admin.page()
    await admin.signIn(tab.page, author.email)
    await openFromNav(tab.page, 'Your profile')
    await tab.page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor()
    await admin.check(tab, 'profile')

    // Two-factor: the QR code and the key; the code an authenticator would show now.
    await tab.page.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    await tab.page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor()
    const secret = (await tab.page.locator('.people-secret').textContent())?.replaceAll(' ', '') as string
    assert.match(secret, /^[A-Z2-7]+$/)
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: admin.clock().getTime() })
    await tab.page.getByLabel('Code from the app').fill(code)
    await tab.page.getByRole('button', { name: 'Turn on' }).click()
    const codes = tab.page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')
    await codes.first().waitFor()
    assert.equal(await codes.count(), 10)
    await admin.check(tab, 'profile-recovery-codes')
    await tab.page.getByRole('button', { name: 'I have saved them' }).click()
    await tab.page.getByText('10 recovery codes left').waitFor()

    // A token: shown once, works, then revoked.
    await tab.page.getByLabel('Token name').fill('Deploy script')
    await tab.page.getByLabel('Write (changes)').check()
    await tab.page.getByRole('button', { name: 'Create token' }).click()
    const token = (await tab.page.locator('.people-token').textContent()) as string
    assert.match(token, /^plinth_/)
    const asToken = () => fetch(`${admin.origin}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal((await asToken()).status, 200)
    await tab.page.getByRole('cell', { name: 'Deploy script', exact: true }).waitFor()
    await tab.page.getByRole('button', { name: 'Revoke the token Deploy script' }).click()
    await tab.page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click()
    await tab.page.getByText('No API tokens.').waitFor()
    assert.equal((await asToken()).status, 401)

    // The other browser's session, signed out from here.
    assert.equal((await me(elsewhere.page)).role, 'author')
    await tab.page.getByRole('button', { name: /^Sign out the session from/ }).click()
    await tab.page.getByText('That session is signed out.').waitFor()
    assert.equal((await me(elsewhere.page)).status, 401)
    assert.equal((await me(tab.page)).role, 'author')
    await admin.check(tab, 'profile-done')
  })

  test('settings: a bad time zone is shown next to its field; a good change is saved', async () => {
    const boss = await admin.user('admin')
    const tab = await admin.page()
    await admin.signIn(tab.page, boss.email)
    await openFromNav(tab.page, 'Settings')
    await tab.page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await tab.page.getByLabel('Time zone').fill('Mars/Olympus_Mons')
    await tab.page.getByRole('button', { name: 'Save settings' }).click()
    const error = tab.page.locator('#field-timezone-error')
    await error.waitFor()
    assert.match((await error.textContent()) ?? '', /time zone/)
    assert.equal(await tab.page.getByLabel('Time zone').getAttribute('aria-invalid'), 'true')
    await admin.check(tab, 'settings')

    await tab.page.getByLabel('Time zone').fill('Europe/Rome')
    await tab.page.getByLabel('Site title').fill('The People Test Site')
    await tab.page.getByRole('button', { name: 'Save settings' }).click()
    await tab.page.getByText('Settings saved.').waitFor()
    const settings = (await (await fetch(`${admin.origin}/api/v1/site`)).json()) as { title: string }
    assert.equal(settings.title, 'The People Test Site')
    assert.deepEqual(tab.problems, [])
  })

  test('the audit log, outgoing mail and jobs screens list their entries; a dead job is retried', async () => {
    const boss = await admin.user('admin')
    const db = admin.testApp.database.db
    const dead = await enqueueJob(db, { name: 'people.browser_test', payload: {} })
    await sql`update jobs set status = 'dead', attempts = max_attempts, last_error = 'the test made it fail', finished_at = now()
      where id = ${dead}`.execute(db)
    const tab = await admin.page()
    await admin.signIn(tab.page, boss.email)

    await openFromNav(tab.page, 'Audit log')
    await tab.page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor()
    await tab.page.getByRole('cell', { name: 'login ok' }).first().waitFor()
    await tab.page.getByLabel('Event', { exact: true }).selectOption('invitation_created')
    await tab.page.getByRole('cell', { name: 'invitation created' }).first().waitFor()
    await admin.check(tab, 'audit')

    await openFromNav(tab.page, 'Outgoing mail')
    await tab.page.getByRole('heading', { level: 1, name: 'Outgoing mail' }).waitFor()
    await tab.page.getByRole('cell', { name: 'You are invited' }).first().waitFor()
    await tab.page
      .getByRole('button', { name: /^Read “You are invited”/ })
      .first()
      .click()
    const message = tab.page.getByRole('article')
    await message.getByRole('heading', { name: 'You are invited' }).waitFor()
    assert.match((await message.locator('pre').textContent()) ?? '', /accept-invitation\?token=…/, 'a sent link is kept redacted')
    await admin.check(tab, 'mail')

    await openFromNav(tab.page, 'Jobs')
    await tab.page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor()
    await tab.page.getByLabel('Status', { exact: true }).selectOption('dead')
    await tab.page.getByText('the test made it fail').waitFor()
    await admin.check(tab, 'jobs')
    await tab.page.getByRole('button', { name: `Retry job ${dead}` }).click()
    await tab.page.getByText(`Job ${dead} (people.browser_test) is queued again.`).waitFor()
    const retried = await sql<{ attempts: number }>`select attempts from jobs where id = ${dead}`.execute(db)
    assert.ok((retried.rows[0]?.attempts ?? 99) <= 1, 'counted afresh')
    assert.deepEqual(tab.problems, [])
  })
})
