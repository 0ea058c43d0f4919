import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { TRICKY_HOURS, testClock } from '../../../test/clock.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { checkLimit, clearLimit, hitLimit } from './limiter.ts'

const MINUTE = 60_000
/** A key of its own for each test, so tests on the file's shared database never count each other's hits. */
const newKey = (what: string) => `test:${what}:${randomBytes(4).toString('hex')}`
const RULE = { limit: 3, windowMs: 15 * MINUTE, lockMs: 10 * MINUTE }

for (const start of TRICKY_HOURS) {
  test(`at ${start}: the hit that reaches the limit locks the key for lockMs, to the second`, async () => {
    const { db } = (await sharedTestDatabase()).database
    const clock = testClock(start)
    const key = newKey('lock')
    assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 0)
    clock.advance(MINUTE)
    assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 0)
    assert.equal(await checkLimit(db, [key], clock()), 0, 'two hits of three: not locked')
    clock.advance(MINUTE)
    assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 600, 'the third hit locks for 10 minutes')
    assert.equal(await checkLimit(db, [key], clock()), 600)
    clock.advance(10 * MINUTE - 1500)
    assert.equal(await checkLimit(db, [key], clock()), 2, 'whole seconds, rounded up')
    clock.advance(500)
    assert.equal(await checkLimit(db, [key], clock()), 1)
    clock.advance(1000)
    assert.equal(await checkLimit(db, [key], clock()), 0, 'the lock has ended')
    assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 0, 'and the count started again')
  })

  test(`at ${start}: hits spread wider than the window never lock; the window starts at the first hit`, async () => {
    const { db } = (await sharedTestDatabase()).database
    const clock = testClock(start)
    const key = newKey('window')
    for (let i = 0; i < 6; i++) {
      // Two hits per window: the window of the first one has ended when the third comes.
      assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 0, `hit ${i + 1}`)
      clock.advance(i % 2 === 0 ? 14 * MINUTE : MINUTE)
    }
    assert.equal(await checkLimit(db, [key], clock()), 0)
    // Three within 15 minutes of the first of them do lock.
    clock.advance(20 * MINUTE)
    await hitLimit(db, { key, ...RULE }, clock())
    clock.advance(14 * MINUTE)
    await hitLimit(db, { key, ...RULE }, clock())
    clock.advance(MINUTE - 1)
    assert.equal(await hitLimit(db, { key, ...RULE }, clock()), 600)
  })
}

test('checkLimit answers the longest lock among its keys; clearLimit forgets a key', async () => {
  const { db } = (await sharedTestDatabase()).database
  const clock = testClock(TRICKY_HOURS[1])
  const short = newKey('short')
  const long = newKey('long')
  const free = newKey('free')
  await hitLimit(db, { key: short, limit: 1, windowMs: MINUTE, lockMs: MINUTE }, clock())
  await hitLimit(db, { key: long, limit: 1, windowMs: MINUTE, lockMs: 60 * MINUTE }, clock())
  assert.equal(await checkLimit(db, [free], clock()), 0)
  assert.equal(await checkLimit(db, [free, short], clock()), 60)
  assert.equal(await checkLimit(db, [short, long, free], clock()), 3600)
  assert.equal(await checkLimit(db, [], clock()), 0, 'no keys, no lock')
  await clearLimit(db, long)
  assert.equal(await checkLimit(db, [short, long], clock()), 60)
  // Keys are data, never SQL: odd characters are just characters.
  const odd = `${newKey('odd')}'; drop table login_throttle; --ü`
  assert.equal(await hitLimit(db, { key: odd, limit: 1, windowMs: MINUTE, lockMs: MINUTE }, clock()), 60)
  assert.equal(await checkLimit(db, [odd], clock()), 60)
})
