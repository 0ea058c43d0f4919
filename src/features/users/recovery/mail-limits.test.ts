import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { describe, test } from 'node:test'
import { type Db, sql } from '#core/db/database.ts'
import { buildTestApp } from '../../../../test/app.ts'
import { testClock } from '../../../../test/clock.ts'
import { createUser, uniqueEmail } from '../../../../test/factories.ts'
import type { App } from '../../../app.ts'
import { ANONYMOUS_MAIL_LIMITS } from './recovery.service.ts'

// Addresses of its own per test (the file shares one database).
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`

const askReset = (app: App, email: string, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', remoteAddress, payload: { email } })

/** Mails queued to `to` (the mail.send jobs; the outbox row comes when the worker runs). */
const mailsTo = async (db: Db, to: string) =>
  Number(
    (
      await sql<{
        n: number
      }>`select count(*)::int as n from jobs where name = 'mail.send' and lower(payload->>'to') = lower(${to})`.execute(db)
    ).rows[0]?.n,
  )

describe('mail an anonymous caller can trigger is limited, with the same answer', () => {
  test('one reset mail per account per 5 minutes, whatever the spelling of the address; the answer stays 202', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const ip = randomIp()
    for (const spelling of [user.email, user.email.toUpperCase(), user.email]) {
      const response = await askReset(app, spelling, ip)
      assert.equal(response.statusCode, 202)
      clock.advance(60_000)
    }
    assert.equal(await mailsTo(database.db, user.email), 1)
    clock.advance(ANONYMOUS_MAIL_LIMITS.account.lockMs)
    assert.equal((await askReset(app, user.email, ip)).statusCode, 202)
    assert.equal(await mailsTo(database.db, user.email), 2, 'after the cooldown')
  })

  test('reset requests for one account at the same moment send one mail, not one each', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    const answers = await Promise.all(Array.from({ length: 6 }, () => askReset(app, user.email, randomIp())))
    assert.deepEqual(
      answers.map((response) => response.statusCode),
      Array(6).fill(202),
    )
    assert.equal(await mailsTo(database.db, user.email), 1)
  })

  test('per address: no more than 5 an hour from many callers, then the same 202 and no mail', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const user = await createUser(database.db)
    for (let i = 0; i < ANONYMOUS_MAIL_LIMITS.address.limit + 3; i++) {
      assert.equal((await askReset(app, user.email, randomIp())).statusCode, 202)
      clock.advance(ANONYMOUS_MAIL_LIMITS.account.lockMs)
    }
    // 5 mails went in the first 25 minutes; the 6th request locked the address for an hour.
    assert.equal(await mailsTo(database.db, user.email), ANONYMOUS_MAIL_LIMITS.address.limit)
  })

  test('per IP: one caller asking for many addresses gets 202 every time, and mail goes for the first 20 only', async (t) => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const { app, database } = await buildTestApp(t, { clock })
    const users = await Promise.all(Array.from({ length: ANONYMOUS_MAIL_LIMITS.ip.limit + 5 }, () => createUser(database.db)))
    const ip = randomIp()
    const answers = new Set<string>()
    for (const [index, user] of users.entries()) {
      const response = await askReset(app, index % 2 ? user.email : uniqueEmail('nobody'), ip)
      answers.add(`${response.statusCode} ${response.body}`)
    }
    assert.equal(answers.size, 1, 'one answer for all')
    const mailed = (await Promise.all(users.map((user) => mailsTo(database.db, user.email)))).reduce((a, b) => a + b, 0)
    // Requests for unknown addresses count too: of the first 20, half had accounts.
    assert.equal(mailed, ANONYMOUS_MAIL_LIMITS.ip.limit / 2)
    assert.equal((await askReset(app, users[21]?.email as string, randomIp())).statusCode, 202)
    assert.equal(await mailsTo(database.db, users[21]?.email as string), 1, 'another caller is not held back by this one')
  })
})
