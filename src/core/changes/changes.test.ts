import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { sharedTestDatabase, testDatabaseKind } from '../../../test/db.ts'
import { waitFor } from '../../../test/wait-for.ts'
import {
  type Change,
  changeRecordAfter,
  createChangeFeed,
  isChangeTag,
  latestChangeId,
  readChangesAfter,
  recordChanges,
  tags,
  writeRecordingChanges,
} from './changes.ts'

test('the vocabulary builds the tags the issue names, and refuses anything else', () => {
  assert.deepEqual(
    [tags.post(42), tags.page(7), tags.list('posts'), tags.tag(3), tags.category(2), tags.user(5), tags.media(9), tags.site],
    ['post:42', 'page:7', 'list:posts', 'tag:3', 'category:2', 'user:5', 'media:9', 'site'],
  )
  assert.equal(tags.content('page', 3), 'page:3')
  assert.equal(tags.listOf('post'), 'list:posts')
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => tags.post(bad), RangeError)
  for (const good of ['post:1', 'list:users', 'site', 'media:123456']) assert.ok(isChangeTag(good), good)
  for (const bad of ['post:0', 'post:', 'posts:1', 'list:things', 'site ', 'users:admin', 'post:1 site']) assert.ok(!isChangeTag(bad), bad)
})

test('a change is recorded only inside a transaction, and commits or rolls back with the write', async () => {
  const { db } = (await sharedTestDatabase()).database
  const before = await latestChangeId(db)
  await assert.rejects(recordChanges(db, [tags.site]), /transaction/)

  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await recordChanges(trx, [tags.post(1)])
      throw new Error('the write failed')
    }),
    /the write failed/,
  )
  assert.deepEqual(await readChangesAfter(db, before), [])

  const id = await db.transaction().execute((trx) => recordChanges(trx, [tags.user(5), tags.list('posts'), tags.user(5)]))
  const rows = await readChangesAfter(db, before)
  assert.equal(rows.length, 1)
  assert.equal(rows[0]?.id, id)
  // Stored once each, sorted.
  assert.deepEqual(rows[0]?.tags, ['list:posts', 'user:5'])
  assert.ok(rows[0]?.created_at instanceof Date)
  assert.equal(await db.transaction().execute((trx) => recordChanges(trx, [])), undefined)
  assert.equal(await latestChangeId(db), id)
})

test('writeRecordingChanges: a write and its change in one statement; no change when the write returned no row; a failed write leaves neither', async () => {
  const { db } = (await sharedTestDatabase()).database
  await sql`create table if not exists change_write_probe (id int primary key, n int not null check (n >= 0))`.execute(db)
  await sql`insert into change_write_probe values (1, 5) on conflict (id) do update set n = 5`.execute(db)
  const before = await latestChangeId(db)
  const take = (id: number, amount: number) =>
    sql<{ n: number }>`update change_write_probe set n = n - ${amount} where id = ${id} and n >= ${amount} returning n`

  assert.deepEqual(await writeRecordingChanges(db, take(1, 2), [tags.site, tags.user(5), tags.site]), [{ n: 3 }])
  const [change, ...more] = await readChangesAfter(db, before)
  assert.deepEqual(change?.tags, ['site', 'user:5'])
  assert.deepEqual(more, [])

  // No row written (not enough left; no such id): nothing recorded.
  assert.deepEqual(await writeRecordingChanges(db, take(1, 9), [tags.site]), [])
  assert.deepEqual(await writeRecordingChanges(db, take(2, 1), [tags.site]), [])
  // A write that fails (the check refuses) records nothing either.
  await assert.rejects(writeRecordingChanges(db, sql`update change_write_probe set n = -1 where id = 1 returning n`, [tags.site]))
  assert.equal((await readChangesAfter(db, before)).length, 1)
  assert.throws(() => writeRecordingChanges(db, take(1, 1), []), /at least one tag/)
})

test('ids increase in commit order, and readChangesAfter pages through them', async () => {
  const { db } = (await sharedTestDatabase()).database
  const before = await latestChangeId(db)
  const ids: (number | undefined)[] = []
  for (let n = 1; n <= 5; n++) ids.push(await db.transaction().execute((trx) => recordChanges(trx, [tags.media(n)])))
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a as number) - (b as number)),
  )
  const first = await readChangesAfter(db, before, 2)
  assert.deepEqual(
    first.map((row) => row.tags),
    [['media:1'], ['media:2']],
  )
  const rest = await readChangesAfter(db, first[1]?.id as number, 10)
  assert.deepEqual(
    rest.map((row) => row.tags),
    [['media:3'], ['media:4'], ['media:5']],
  )
})

test('a change that took its id later cannot commit before an earlier one (PostgreSQL: concurrent writers)', {
  skip: testDatabaseKind() !== 'postgres' && 'PGlite runs one transaction at a time',
}, async () => {
  const { db } = (await sharedTestDatabase()).database
  const before = await latestChangeId(db)
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let firstId: number | undefined
  const first = db.transaction().execute(async (trx) => {
    firstId = await recordChanges(trx, [tags.page(1)])
    await held
  })
  await waitFor('the first writer to hold the order lock', () => firstId !== undefined)
  const second = db.transaction().execute((trx) => recordChanges(trx, [tags.page(2)]))
  const waiting = () =>
    sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
      and database = (select oid from pg_database where datname = current_database())`
      .execute(db)
      .then((r) => (r.rows[0]?.n ?? 0) > 0)
  await waitFor('the second writer to wait for the lock', waiting)
  // The second writer has no id yet, so a reader cannot see a later id before the earlier one commits.
  assert.deepEqual(await readChangesAfter(db, before), [])
  release()
  await first
  const secondId = await second
  assert.ok((secondId as number) > (firstId as number))
  assert.deepEqual(
    (await readChangesAfter(db, before)).map((row) => row.tags),
    [['page:1'], ['page:2']],
  )
})

test('the tags column refuses an empty list (a change names at least one record)', async () => {
  const { db } = (await sharedTestDatabase()).database
  await assert.rejects(sql`insert into changes (tags) values ('{}')`.execute(db), /check/)
})

test('a listener is woken by NOTIFY and receives each committed change once, in order, and nothing rolled back', async (t) => {
  const database = (await sharedTestDatabase()).database
  const { db } = database
  // An hour between polls: only NOTIFY can deliver within the test.
  const feed = createChangeFeed(database, { pollMs: 3_600_000 })
  const seen: Change[] = []
  const errors: unknown[] = []
  const stop = await feed.onChange((change) => void seen.push(change), { onError: (error) => errors.push(error) })
  t.after(stop)

  const first = await db.transaction().execute((trx) => recordChanges(trx, [tags.post(11)]))
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await recordChanges(trx, [tags.post(12)])
      throw new Error('rolled back')
    }),
  )
  const second = await db.transaction().execute((trx) => recordChanges(trx, [tags.site, tags.list('pages')]))
  await waitFor('both changes', () => seen.length >= 2)
  assert.deepEqual(
    seen.map((change) => [change.id, change.tags]),
    [
      [first, ['post:11']],
      [second, ['list:pages', 'site']],
    ],
  )
  assert.deepEqual(errors, [])

  await stop()
  await db.transaction().execute((trx) => recordChanges(trx, [tags.post(13)]))
  await db.transaction().execute((trx) => recordChanges(trx, [tags.post(14)]))
  // Stopped: a later read of the table shows the changes, the listener never got them.
  assert.equal((await readChangesAfter(db, second as number)).length, 2)
  assert.equal(seen.length, 2)
})

test('a listener that throws gets the same change again at the next wake-up (nothing is skipped)', async (t) => {
  const database = (await sharedTestDatabase()).database
  const { db } = database
  const feed = createChangeFeed(database, { pollMs: 3_600_000 })
  const seen: string[][] = []
  const errors: unknown[] = []
  let failOnce = true
  const stop = await feed.onChange(
    (change) => {
      if (failOnce) {
        failOnce = false
        throw new Error('listener failed')
      }
      seen.push(change.tags)
    },
    { onError: (error) => errors.push(error) },
  )
  t.after(stop)
  await db.transaction().execute((trx) => recordChanges(trx, [tags.tag(1)]))
  await waitFor('the error', () => errors.length === 1)
  await db.transaction().execute((trx) => recordChanges(trx, [tags.tag(2)]))
  await waitFor('both changes', () => seen.length === 2)
  assert.deepEqual(seen, [['tag:1'], ['tag:2']])
})

test('a listener may start after a known id and catch up from the table', async (t) => {
  const database = (await sharedTestDatabase()).database
  const { db } = database
  const start = await latestChangeId(db)
  await db.transaction().execute((trx) => recordChanges(trx, [tags.category(1)]))
  const seen: string[][] = []
  const stop = await createChangeFeed(database, { pollMs: 3_600_000 }).onChange((change) => void seen.push(change.tags), {
    afterId: start,
  })
  t.after(stop)
  await waitFor('the earlier change', () => seen.length === 1)
  assert.deepEqual(seen, [['category:1']])
})

test('changeRecordAfter: a statement the caller composes records its change when its write has a row, and NOTIFY wakes listeners', async (t) => {
  const database = (await sharedTestDatabase()).database
  const { db } = database
  await sql`create table if not exists change_compose_probe (id int generated always as identity primary key, n int not null)`.execute(db)
  const seen: string[][] = []
  const stop = await createChangeFeed(database, { pollMs: 3_600_000 }).onChange((change) => void seen.push(change.tags))
  t.after(stop)
  const before = await latestChangeId(db)
  const write = (n: number) =>
    sql<{ id: number }>`with written as (insert into change_compose_probe (n) select ${n}::int where ${n}::int > 0 returning id),
      change as (${changeRecordAfter(sql`written`, [tags.media(7), tags.site, tags.media(7)])})
      select id from written`.execute(db)
  assert.equal((await write(3)).rows.length, 1)
  assert.equal((await write(0)).rows.length, 0, 'no row written: no change either')
  await waitFor('the change', () => seen.length === 1)
  assert.deepEqual(seen, [['media:7', 'site']])
  assert.equal((await readChangesAfter(db, before)).length, 1)
  assert.throws(() => changeRecordAfter(sql`written`, []), /at least one tag/)
})
