import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { TRICKY_HOURS, testClock } from '../../../test/clock.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { checkLimit, clearLimit, hitLimit, LIMIT_KEPT_MS, readLimits, takeLimit, takeLimits } from './limiter.ts'

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

test('takeLimits counts its keys in order and stops at the first refusal: a refused address never spends the shared key', async () => {
  const { db } = (await sharedTestDatabase()).database
  const clock = testClock(TRICKY_HOURS[0])
  const address = { key: newKey('address'), limit: 2, windowMs: 10 * MINUTE, lockMs: 10 * MINUTE }
  const shared = { key: newKey('shared'), limit: 5, windowMs: 60 * MINUTE, lockMs: 5 * MINUTE }
  const hitsOf = async () => {
    const state = await readLimits(db, [address, shared], clock())
    return [state.get(address.key)?.hits, state.get(shared.key)?.hits]
  }
  assert.equal(await takeLimits(db, [address, shared], clock()), undefined)
  assert.deepEqual(await hitsOf(), [1, 1])
  // The hit that reaches the address's limit is allowed and locks the address (its count starts afresh).
  assert.equal(await takeLimits(db, [address, shared], clock()), undefined)
  assert.deepEqual(await hitsOf(), [0, 2])
  assert.equal(await checkLimit(db, [address.key], clock()), 600)
  for (let i = 0; i < 4; i++) {
    assert.equal((await takeLimits(db, [address, shared], clock()))?.hit, address, `refused ${i + 1}: the address is locked`)
  }
  assert.equal(
    (await readLimits(db, [shared], clock())).get(shared.key)?.hits,
    2,
    'the shared key was not counted while the address was refused',
  )
  assert.equal(await checkLimit(db, [shared.key], clock()), 0)
})

test('takeLimits: a refusal by a later key answers that key (the earlier ones were counted); no keys, no statement; the same key twice is a bug', async () => {
  const { db } = (await sharedTestDatabase()).database
  const clock = testClock(TRICKY_HOURS[1])
  const wide = { key: newKey('wide'), limit: 1, windowMs: MINUTE, lockMs: MINUTE }
  const others = [0, 1].map((i) => ({ key: newKey(`narrow${i}`), limit: 3, windowMs: MINUTE, lockMs: MINUTE }))
  const [first, second] = others as [(typeof others)[0], (typeof others)[0]]
  assert.equal(await takeLimits(db, [first, wide], clock()), undefined, 'the hit that reaches the wide limit is still allowed')
  assert.deepEqual(await takeLimits(db, [second, wide], clock()), { hit: wide, lockedSeconds: 60 }, 'the wide key is locked now')
  const state = await readLimits(db, [first, second], clock())
  assert.deepEqual([state.get(first.key)?.hits, state.get(second.key)?.hits], [1, 1])
  assert.equal(await takeLimits(db, [], clock()), undefined)
  await assert.rejects(takeLimits(db, [first, first], clock()), /different keys/)
  await assert.rejects(takeLimits(db, [{ ...first, windowMs: LIMIT_KEPT_MS + 1 }], clock()), /may not exceed/)
  // takeLimit is takeLimits with one key, answering the seconds left of a refusal (0: allowed).
  assert.equal(await takeLimit(db, second, clock()), 0)
  assert.equal(await takeLimit(db, second, clock()), 0, 'the third hit reaches the limit of 3 and is allowed')
  assert.equal(await takeLimit(db, second, clock()), 60)
})

test('takeLimits at the same time: a limit of 3 lets exactly 3 of 8 through, and only those 3 count on the shared key', async () => {
  const { db } = (await sharedTestDatabase()).database
  const clock = testClock(TRICKY_HOURS[0])
  const address = { key: newKey('address'), limit: 3, windowMs: 10 * MINUTE, lockMs: 10 * MINUTE }
  const shared = { key: newKey('shared'), limit: 100, windowMs: 60 * MINUTE, lockMs: 5 * MINUTE }
  const refusals = await Promise.all(Array.from({ length: 8 }, () => takeLimits(db, [address, shared], clock())))
  assert.equal(refusals.filter((refused) => refused === undefined).length, 3)
  // Refused by the lock, or (counted before the lock was written) past the limit and locking again: 600 s either way.
  assert.ok(refusals.every((refused) => refused === undefined || (refused.hit === address && refused.lockedSeconds === 600)))
  assert.equal((await readLimits(db, [shared], clock())).get(shared.key)?.hits, 3)
  assert.equal(await checkLimit(db, [address.key], clock()), 600, 'the third hit locked the address')
  assert.equal((await takeLimits(db, [address, shared], clock()))?.hit, address)
})

for (const start of TRICKY_HOURS) {
  test(`at ${start}: a refused take answers the seconds its key's lock has left: all of it at once, half half-way, 1 a second before the end; then allowed`, async () => {
    const { db } = (await sharedTestDatabase()).database
    const clock = testClock(start)
    // A limit of 5: the four refused hits below count, and stay under it (a fifth would lock afresh: next test).
    const hit = { key: newKey('left'), limit: 5, windowMs: 10 * MINUTE, lockMs: 10 * MINUTE }
    for (let i = 0; i < 4; i++) assert.equal(await takeLimit(db, hit, clock()), 0, `hit ${i + 1}`)
    clock.advance(MINUTE)
    assert.equal(await takeLimit(db, hit, clock()), 0, 'the hit that reaches the limit is allowed and locks the key')
    const lockEnds = clock().getTime() + hit.lockMs
    assert.equal(await takeLimit(db, hit, clock()), 600, 'refused at the moment of the lock: all of it')
    assert.deepEqual(await takeLimits(db, [{ ...hit, key: newKey('before') }, hit], clock()), { hit, lockedSeconds: 600 })
    clock.set(new Date(lockEnds - 5 * MINUTE - 400))
    assert.equal(await takeLimit(db, hit, clock()), 301, 'half-way (and 0.4 s), rounded up')
    clock.set(new Date(lockEnds - 1000))
    assert.equal(await takeLimit(db, hit, clock()), 1, 'a second before the end')
    assert.equal(await checkLimit(db, [hit.key], clock()), 1, 'checkLimit says the same')
    clock.set(new Date(lockEnds))
    assert.equal(await takeLimit(db, hit, clock()), 0, 'the lock has ended: allowed')
    assert.deepEqual((await readLimits(db, [hit], clock())).get(hit.key), { hits: 1, lockedSeconds: 0 }, 'a new window')
  })
}

test('takeLimit: a refused hit that reaches the limit again locks the key afresh, and answers the whole new lock', async () => {
  const { db } = (await sharedTestDatabase()).database
  const clock = testClock(TRICKY_HOURS[1])
  const hit = { key: newKey('again'), limit: 2, windowMs: 10 * MINUTE, lockMs: 10 * MINUTE }
  assert.deepEqual([await takeLimit(db, hit, clock()), await takeLimit(db, hit, clock())], [0, 0])
  clock.advance(MINUTE)
  assert.equal(await takeLimit(db, hit, clock()), 540, 'the first refusal: 9 minutes left')
  clock.advance(MINUTE)
  assert.equal(await takeLimit(db, hit, clock()), 600, 'the second refused hit is the second of its window: locked again')
  assert.equal(await checkLimit(db, [hit.key], clock()), 600)
})
