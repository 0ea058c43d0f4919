import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../../test/app.ts'
import { testClock } from '../../../../test/clock.ts'
import { createUser, logIn, uniqueEmail } from '../../../../test/factories.ts'
import { INVITATION_LIMIT, INVITATION_TTL_DAYS } from './invitations.service.ts'

const PASSWORD = 'a long invited passphrase'

async function asAdmin(testApp: TestApp) {
  const admin = await createUser(testApp.database.db, { role: 'admin' })
  const session = await logIn(testApp.app, admin.email)
  return { admin, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } }
}

/** The link of the newest queued invitation mail to `to`. */
async function mailedLink(db: Db, to: string): Promise<URL | undefined> {
  const { rows } = await sql<{ payload: { to: string; template: string; data: { url: string; role: string } } }>`
    select payload from jobs where name = 'mail.send' and payload->>'to' = ${to} order by id desc limit 1`.execute(db)
  const payload = rows[0]?.payload
  return payload?.template === 'users.invitation' ? new URL(payload.data.url) : undefined
}

const invite = (testApp: TestApp, headers: Record<string, string>, payload: object) =>
  testApp.app.inject({ method: 'POST', url: '/api/v1/invitations', headers, payload })

const accept = (testApp: TestApp, payload: object) => testApp.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload })

describe('invitations', () => {
  test('an admin invites an address; the link creates a verified account with the role, once', async (t) => {
    const testApp = await buildTestApp(t)
    const { admin, headers } = await asAdmin(testApp)
    const email = uniqueEmail('invited')
    const created = await invite(testApp, headers, { email, role: 'editor' })
    assert.equal(created.statusCode, 201, created.body)
    const invitation = created.json()
    assert.equal(invitation.email, email)
    assert.equal(invitation.role, 'editor')
    assert.equal(invitation.invited_by, admin.id)
    assert.equal(invitation.expired, false)
    assert.ok(!('token' in invitation) && !created.body.includes('token'), 'the token is only in the mail')

    const link = (await mailedLink(testApp.database.db, email)) as URL
    assert.equal(link.pathname, '/admin/accept-invitation')
    const token = link.searchParams.get('token') as string
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    const stored = await sql<{ token_hash: string }>`select token_hash from invitations where id = ${invitation.id}`.execute(
      testApp.database.db,
    )
    assert.notEqual(stored.rows[0]?.token_hash, token, 'stored hashed')

    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/invitations?limit=100', headers })
    assert.ok(list.json().data.some((i: { id: number }) => i.id === invitation.id))

    const accepted = await accept(testApp, { token, name: 'Ines Invited', password: PASSWORD })
    assert.equal(accepted.statusCode, 201, accepted.body)
    assert.equal(accepted.headers['set-cookie'], undefined, 'accepting does not sign in')
    assert.equal(accepted.json().email, email)
    assert.equal(accepted.json().role, 'editor')
    assert.equal(accepted.json().email_verified, true)
    const session = await logIn(testApp.app, email, PASSWORD)
    assert.equal(session.user.role, 'editor')

    const again = await accept(testApp, { token, name: 'Someone Else', password: PASSWORD })
    assert.equal(again.statusCode, 400, 'works once')
    assert.equal(again.json().errors[0].field, 'token')
    const after = await testApp.app.inject({ method: 'GET', url: '/api/v1/invitations?limit=100', headers })
    assert.ok(!after.json().data.some((i: { id: number }) => i.id === invitation.id), 'an accepted invitation is no longer pending')

    const audit = await sql<{ event: string; actor_id: number | null }>`
      select event, actor_id from audit_log where details->>'invitation_id' = ${String(invitation.id)} order by id`.execute(
      testApp.database.db,
    )
    assert.deepEqual(
      audit.rows.map((r) => r.event),
      ['invitation_created', 'invitation_accepted'],
    )
    const changes = await sql<{ tags: string[] }>`select tags from changes order by id desc limit 1`.execute(testApp.database.db)
    assert.ok(changes.rows[0]?.tags.includes(`user:${accepted.json().id}`))
  })

  test('works with sign-up turned off', async (t) => {
    const testApp = await buildTestApp(t)
    await sql`update settings set value = 'false'::jsonb where key = 'signup_enabled'`.execute(testApp.database.db)
    const { headers } = await asAdmin(testApp)
    const email = uniqueEmail('closed')
    assert.equal((await invite(testApp, headers, { email, role: 'member' })).statusCode, 201)
    const token = (await mailedLink(testApp.database.db, email))?.searchParams.get('token') as string
    assert.equal((await accept(testApp, { token, name: 'Closed Site', password: PASSWORD })).statusCode, 201)
  })

  test('an expired link is refused; the list marks the invitation expired', async (t) => {
    const clock = testClock('2026-03-14T00:30:00Z')
    const testApp = await buildTestApp(t, { clock })
    const { headers } = await asAdmin(testApp)
    const email = uniqueEmail('late')
    const { id } = (await invite(testApp, headers, { email, role: 'author' })).json()
    const token = (await mailedLink(testApp.database.db, email))?.searchParams.get('token') as string
    clock.advance(INVITATION_TTL_DAYS * 24 * 3600 * 1000 + 1000)
    const late = await accept(testApp, { token, name: 'Too Late', password: PASSWORD })
    assert.equal(late.statusCode, 400)
    // The admin's session went idle meanwhile: sign in again.
    const { headers: now } = await asAdmin(testApp)
    const list = await testApp.app.inject({ method: 'GET', url: '/api/v1/invitations?limit=100', headers: now })
    assert.equal(list.json().data.find((i: { id: number }) => i.id === id)?.expired, true)
    const users = await sql`select 1 from users where lower(email) = lower(${email})`.execute(testApp.database.db)
    assert.equal(users.rows.length, 0, 'nothing written')
  })

  test('a revoked invitation stops working; revoking twice is a 404', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await asAdmin(testApp)
    const email = uniqueEmail('revoked')
    const { id } = (await invite(testApp, headers, { email, role: 'member' })).json()
    const token = (await mailedLink(testApp.database.db, email))?.searchParams.get('token') as string
    const revoke = () => testApp.app.inject({ method: 'DELETE', url: `/api/v1/invitations/${id}`, headers })
    assert.equal((await revoke()).statusCode, 204)
    assert.equal((await revoke()).statusCode, 404)
    assert.equal((await accept(testApp, { token, name: 'Nope', password: PASSWORD })).statusCode, 400)
    const audit = await sql<{ event: string }>`
      select event from audit_log where details->>'invitation_id' = ${String(id)} order by id`.execute(testApp.database.db)
    assert.deepEqual(
      audit.rows.map((r) => r.event),
      ['invitation_created', 'invitation_revoked'],
    )
  })

  test('inviting an address again replaces the earlier link', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await asAdmin(testApp)
    const email = uniqueEmail('twice')
    await invite(testApp, headers, { email, role: 'member' })
    const first = (await mailedLink(testApp.database.db, email))?.searchParams.get('token') as string
    const second = await invite(testApp, headers, { email: email.toUpperCase(), role: 'author' })
    assert.equal(second.statusCode, 201)
    const latest = (await mailedLink(testApp.database.db, email.toUpperCase()))?.searchParams.get('token') as string
    assert.equal((await accept(testApp, { token: first, name: 'First Link', password: PASSWORD })).statusCode, 400)
    const ok = await accept(testApp, { token: latest, name: 'Second Link', password: PASSWORD })
    assert.equal(ok.statusCode, 201)
    assert.equal(ok.json().role, 'author')
  })

  test('an address with an account is a 409 naming email, at invitation and at acceptance', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await asAdmin(testApp)
    const existing = await createUser(testApp.database.db)
    const refused = await invite(testApp, headers, { email: existing.email.toUpperCase(), role: 'member' })
    assert.equal(refused.statusCode, 409)
    assert.equal(refused.json().errors[0].field, 'email')

    const email = uniqueEmail('raced')
    await invite(testApp, headers, { email, role: 'member' })
    const token = (await mailedLink(testApp.database.db, email))?.searchParams.get('token') as string
    await createUser(testApp.database.db, { email })
    const late = await accept(testApp, { token, name: 'Raced', password: PASSWORD })
    assert.equal(late.statusCode, 409)
    const pending = await sql<{
      accepted_at: Date | null
    }>`select accepted_at from invitations where lower(email) = lower(${email})`.execute(testApp.database.db)
    assert.equal(pending.rows[0]?.accepted_at, null, 'nothing half-written: the invitation stays pending')
  })

  test('only admins manage invitations', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await createUser(testApp.database.db, { role: 'editor' })
    const session = await logIn(testApp.app, editor.email)
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf }
    assert.equal((await invite(testApp, {}, { email: uniqueEmail(), role: 'member' })).statusCode, 401)
    assert.equal((await invite(testApp, headers, { email: uniqueEmail(), role: 'member' })).statusCode, 403)
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/api/v1/invitations', headers })).statusCode, 403)
    assert.equal((await testApp.app.inject({ method: 'DELETE', url: '/api/v1/invitations/1', headers })).statusCode, 403)
  })

  const badInvitations: [string, object, string][] = [
    ['no email', { role: 'member' }, 'email'],
    ['a malformed email', { email: 'not-an-address', role: 'member' }, 'email'],
    ['an unknown role', { email: 'x@example.com', role: 'owner' }, 'role'],
    ['no role', { email: 'x@example.com' }, 'role'],
    ['an unknown field', { email: 'x@example.com', role: 'member', token: 'x' }, 'token'],
  ]
  test('a bad invitation is a 400 naming the field, nothing written', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await asAdmin(testApp)
    for (const [what, payload, field] of badInvitations) {
      const before = await sql<{ n: number }>`select count(*)::int as n from invitations`.execute(testApp.database.db)
      const response = await invite(testApp, headers, payload)
      assert.equal(response.statusCode, 400, `${what}: ${response.body}`)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        `${what}: ${response.body}`,
      )
      const after = await sql<{ n: number }>`select count(*)::int as n from invitations`.execute(testApp.database.db)
      assert.equal(after.rows[0]?.n, before.rows[0]?.n, what)
    }
  })

  const badAccepts: [string, object, string][] = [
    ['a malformed token', { token: 'short', name: 'Name', password: PASSWORD }, 'token'],
    ['an unknown token', { token: 'A'.repeat(43), name: 'Name', password: PASSWORD }, 'token'],
    ['a short password', { token: 'A'.repeat(43), name: 'Name', password: 'short' }, 'password'],
    ['a common password', { token: 'A'.repeat(43), name: 'Name', password: 'password1' }, 'password'],
    ['a name with a link', { token: 'A'.repeat(43), name: 'see www.example.com', password: PASSWORD }, 'name'],
    ['no name', { token: 'A'.repeat(43), password: PASSWORD }, 'name'],
    ['a role', { token: 'A'.repeat(43), name: 'Name', password: PASSWORD, role: 'admin' }, 'role'],
  ]
  test('a bad acceptance is a 400 naming the field', async (t) => {
    const testApp = await buildTestApp(t)
    for (const [what, payload, field] of badAccepts) {
      const response = await accept(testApp, payload)
      assert.equal(response.statusCode, 400, `${what}: ${response.body}`)
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field === field),
        `${what}: ${response.body}`,
      )
    }
  })

  test('an administrator who sends too many invitations gets a 429', async (t) => {
    const testApp = await buildTestApp(t)
    const { headers } = await asAdmin(testApp)
    for (let i = 0; i < INVITATION_LIMIT.limit; i++) {
      assert.equal((await invite(testApp, headers, { email: uniqueEmail('many'), role: 'member' })).statusCode, 201)
    }
    const over = await invite(testApp, headers, { email: uniqueEmail('many'), role: 'member' })
    assert.equal(over.statusCode, 429)
    assert.ok(Number(over.headers['retry-after']) > 0)
  })
})
