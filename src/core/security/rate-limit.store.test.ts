import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { testClock } from '../../../test/clock.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { SharedCounts } from './rate-limit.store.ts'

const noError = (error: unknown) => assert.fail(String(error))

describe('the API rate limit counts in the database (two instances, one table)', () => {
  test('below half the limit an instance counts locally and adds its counts to the table when it flushes; past half, at once', async () => {
    const { database } = await sharedTestDatabase()
    const clock = testClock('2026-03-10T09:00:00Z')
    const a = new SharedCounts(database.db, clock, noError)
    const b = new SharedCounts(database.db, clock, noError)
    const key = `test-${randomBytes(6).toString('hex')}`
    const row = async () =>
      (await sql<{ hits: number }>`select hits from rate_limits where key = ${key}`.execute(database.db)).rows[0]?.hits
    const max = 10
    assert.deepEqual(await a.count(key, 60_000, max), { current: 1, ttl: 60_000 })
    assert.equal(await row(), undefined, 'not yet in the table')
    clock.advance(1000)
    assert.deepEqual(await b.count(key, 60_000, max), { current: 1, ttl: 60_000 }, "b has not seen a's count yet")
    await a.flush()
    await b.flush()
    assert.equal(await row(), 2)
    // a learnt the table's 1 when it flushed (b's count came after): 1 known + 4 of its own is 5, not past half.
    for (let i = 0; i < 4; i++) await a.count(key, 60_000, max)
    assert.equal(await row(), 2)
    // The next one is past half: it goes to the table with the ones before it, and a sees b's count too.
    const past = await a.count(key, 60_000, max)
    assert.equal(past.current, 7)
    assert.equal(past.ttl, 59_000, "the window is the table's: it began with a's first count")
    assert.equal(await row(), 7)
    // b knew 2; its next three are past half only by the table's count, which it learns when it flushes.
    await b.count(key, 60_000, max)
    await b.flush()
    assert.equal(await row(), 8)
    assert.equal((await b.count(key, 60_000, max)).current, 9, 'b now knows the total and counts in the table')
    assert.equal(await row(), 9)
    await a.close()
    await b.close()
  })

  test('requests of one client at the same moment are each counted once, in memory and in the table', async () => {
    const { database } = await sharedTestDatabase()
    const clock = testClock('2026-03-10T09:00:00Z')
    const a = new SharedCounts(database.db, clock, noError)
    const key = `test-${randomBytes(6).toString('hex')}`
    // Past half of 2 from the first: every count flushes, and these run while each other's statements are in flight.
    const results = await Promise.all(Array.from({ length: 8 }, () => a.count(key, 60_000, 2)))
    await a.flush()
    const { rows } = await sql<{ hits: number }>`select hits from rate_limits where key = ${key}`.execute(database.db)
    assert.equal(rows[0]?.hits, 8)
    assert.equal(Math.max(...results.map((r) => r.current)), 8)
    assert.equal((await a.count(key, 60_000, 2)).current, 9)
    await a.close()
  })

  test('a count after the window has ended starts a new window, in memory and in the table', async () => {
    const { database } = await sharedTestDatabase()
    const clock = testClock('2026-03-10T09:00:00Z')
    const a = new SharedCounts(database.db, clock, noError)
    const key = `test-${randomBytes(6).toString('hex')}`
    for (let i = 0; i < 4; i++) await a.count(key, 60_000, 4)
    clock.advance(60_000)
    assert.deepEqual(await a.count(key, 60_000, 4), { current: 1, ttl: 60_000 })
    await a.flush()
    const { rows } = await sql<{ hits: number }>`select hits from rate_limits where key = ${key}`.execute(database.db)
    assert.equal(rows[0]?.hits, 1)
    await a.close()
  })
})
