import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import pino from 'pino'
import { type Db, sql } from '#core/db/database.ts'
import { testClock } from '../../../test/clock.ts'
import { sharedTestDatabase } from '../../../test/db.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { checkLimit, hitLimit, LIMIT_KEPT_MS } from '../security/limiter.ts'
import { pruneFinishedWork, RETENTION } from './prune.ts'
import { startJobWorker } from './queue.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** A job in `status`, finished at `finishedAt` (null while unfinished), with a delivered outbox row when `sentAt` is given. */
async function finishedJob(db: Db, status: string, finishedAt: Date | null, mail?: { status: string; sentAt: Date | null }) {
  const marker = randomBytes(6).toString('hex')
  const { id } = (
    await sql<{ id: number }>`insert into jobs (queue, name, payload, status, finished_at, run_at)
      values ('prune-test', 'test.prune', ${JSON.stringify({ marker })}::text::jsonb, ${status}, ${finishedAt}, ${new Date('2030-01-01T00:00:00Z')})
      returning id`.execute(db)
  ).rows[0] as { id: number }
  if (mail) {
    await sql`insert into mail_outbox (job_id, to_address, subject, text, html, status, sent_at)
      values (${id}, ${`${marker}@example.com`}, 's', 't', 'h', ${mail.status}, ${mail.sentAt})`.execute(db)
  }
  return id
}

const exists = async (db: Db, id: number) => ({
  job: (await sql`select 1 from jobs where id = ${id}`.execute(db)).rows.length === 1,
  mail: (await sql`select 1 from mail_outbox where job_id = ${id}`.execute(db)).rows.length === 1,
})

test('done jobs older than 7 days, dead ones older than 30 and mail sent over 30 days ago are pruned, by the clock; the rest stays', async () => {
  const { database } = await sharedTestDatabase()
  const db = database.db
  // The database stamps rows with its own time; the clock decides what is old: run it 40 days ahead.
  const real = new Date((await sql<{ now: Date }>`select now() as now`.execute(db)).rows[0]?.now as Date)
  const ago = (days: number) => new Date(real.getTime() - days * DAY_MS)
  const clock = testClock(new Date(real.getTime() + 40 * DAY_MS))
  const at = (days: number) => ago(days - 40) // `days` before the clock's now

  const oldDone = await finishedJob(db, 'done', at(8), { status: 'sent', sentAt: at(31) })
  const recentDone = await finishedJob(db, 'done', at(6), { status: 'sent', sentAt: at(6) })
  const oldDead = await finishedJob(db, 'dead', at(31))
  const recentDead = await finishedJob(db, 'dead', at(20))
  const queued = await finishedJob(db, 'queued', null)
  const keptMail = await finishedJob(db, 'done', at(6), { status: 'kept', sentAt: null })
  const failedMail = await finishedJob(db, 'failed', null, { status: 'failed', sentAt: null })
  const change = async (createdAt: Date) =>
    (await sql<{ id: number }>`insert into changes (tags, created_at) values ('{site}', ${createdAt}) returning id`.execute(db)).rows[0]?.id
  const oldChange = await change(at(8))
  const recentChange = await change(at(6))

  const pruned = await pruneFinishedWork(db, clock())
  assert.ok(pruned.jobs >= 2 && pruned.mail >= 1, JSON.stringify(pruned))
  assert.deepEqual(await exists(db, oldDone), { job: false, mail: false })
  assert.deepEqual(await exists(db, recentDone), { job: true, mail: true })
  assert.deepEqual(await exists(db, oldDead), { job: false, mail: false })
  assert.deepEqual(await exists(db, recentDead), { job: true, mail: false })
  assert.deepEqual(await exists(db, queued), { job: true, mail: false })
  assert.deepEqual(await exists(db, keptMail), { job: true, mail: true })
  assert.deepEqual(await exists(db, failedMail), { job: true, mail: true })
  assert.equal(RETENTION.doneJobsMs, 7 * DAY_MS)
  // The change feed keeps a week (decision 0011).
  const changesLeft = await sql<{ id: number }>`select id from changes where id = any(${[oldChange, recentChange]}::bigint[])`.execute(db)
  assert.deepEqual(
    changesLeft.rows.map((row) => Number(row.id)),
    [recentChange],
  )

  // A week later, the once-recent done job has aged out too.
  clock.advance(2 * DAY_MS)
  await pruneFinishedWork(db, clock())
  assert.deepEqual(await exists(db, recentDone), { job: false, mail: true })
})

test('limiter keys are forgotten a week after their window began, unless a lock is still in force; a rule with a longer window is refused', async () => {
  const { database } = await sharedTestDatabase()
  const db = database.db
  const clock = testClock(new Date('2031-03-10T00:30:00Z'))
  const prefix = `prune-test:${randomBytes(6).toString('hex')}:`
  const rule = { limit: 2, windowMs: DAY_MS, lockMs: 10 * DAY_MS }
  await hitLimit(db, { key: `${prefix}idle`, ...rule }, clock())
  await hitLimit(db, { key: `${prefix}locked`, ...rule }, clock())
  await hitLimit(db, { key: `${prefix}locked`, ...rule }, clock()) // the second hit locks it for 10 days
  clock.advance(DAY_MS)
  await hitLimit(db, { key: `${prefix}recent`, ...rule }, clock())
  const keys = async () =>
    (await sql<{ key: string }>`select key from login_throttle where key like ${`${prefix}%`} order by key`.execute(db)).rows.map((r) =>
      r.key.slice(prefix.length),
    )

  clock.advance(LIMIT_KEPT_MS - DAY_MS + 60_000) // a week and a minute after the first hits
  const pruned = await pruneFinishedWork(db, clock())
  assert.ok(pruned.limits >= 1, JSON.stringify(pruned))
  assert.deepEqual(await keys(), ['locked', 'recent'], 'the idle key went; the locked one and the recent one stay')
  assert.ok((await checkLimit(db, [`${prefix}locked`], clock())) > 0, 'the lock is still in force')

  clock.advance(3 * DAY_MS) // the lock has ended and the recent key's window began over a week ago
  await pruneFinishedWork(db, clock())
  assert.deepEqual(await keys(), [])

  await assert.rejects(hitLimit(db, { key: `${prefix}long`, limit: 1, windowMs: LIMIT_KEPT_MS + 1, lockMs: 1 }, clock()), /may not exceed/)
})

test('a job worker prunes when it starts', async (t) => {
  const { database } = await sharedTestDatabase()
  const db = database.db
  const real = new Date((await sql<{ now: Date }>`select now() as now`.execute(db)).rows[0]?.now as Date)
  const clock = testClock(new Date(real.getTime() + 10 * DAY_MS))
  const old = await finishedJob(db, 'done', real)
  const worker = startJobWorker({ db, clock, handlers: {}, log: pino({ level: 'silent' }), queue: 'prune-test-none', pollMs: 10 })
  t.after(() => worker.stop())
  await waitFor("the worker's first prune", async () => !(await exists(db, old)).job)
})
