import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { systemClock } from '#core/clock.ts'
import { type Db, openPostgres, sql } from '#core/db/database.ts'
import { TRICKY_HOURS, testClock } from '../../../test/clock.ts'
import { sharedTestDatabase, testDatabaseKind } from '../../../test/db.ts'
import { findJob } from '../../../test/jobs.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { claimNextJob, type JobStatus, releaseExpiredJobs } from './jobs.queries.ts'
import { enqueueJob, enqueueJobsFrom, type JobHandlers, type JobWorkerOptions, retryDelayMs, startJobWorker } from './queue.ts'

// Logs go nowhere unless LOG_LEVEL asks for them (scripts/test.ts sets `silent`).
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** A queue of its own for each test, so tests on the file's shared database never take each other's jobs. */
const newQueue = () => `test_${randomBytes(4).toString('hex')}`

const MINUTE = 60_000

/** A worker with short intervals (on the system clock unless a test clock is given), stopped after the test. */
function startWorker(t: TestContext, options: Pick<JobWorkerOptions, 'db' | 'handlers' | 'queue'> & Partial<JobWorkerOptions>) {
  const worker = startJobWorker({ log, clock: systemClock, pollMs: 10, retryDelayMs: () => 10, ...options })
  t.after(() => worker.stop())
  return worker
}

const jobInState = (db: Db, id: number, status: JobStatus, attempts?: number) => async () => {
  const job = await findJob(db, id)
  return job?.status === status && (attempts === undefined || job.attempts === attempts) ? job : undefined
}

const later = (date: Date, ms: number) => new Date(date.getTime() + ms)

test('a job enqueued in a transaction that rolls back leaves nothing; in one that commits, it is queued', async () => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  let rolledBack: number | undefined
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      rolledBack = await enqueueJob(trx, { name: 'noop', payload: {}, queue })
      throw new Error('the caller failed')
    }),
    /the caller failed/,
  )
  assert.equal(typeof rolledBack, 'number')
  assert.equal(await findJob(db, rolledBack as number), undefined)

  const committed = await db.transaction().execute((trx) => enqueueJob(trx, { name: 'noop', payload: { a: 1 }, queue }))
  const job = await findJob(db, committed)
  assert.equal(job?.status, 'queued')
  assert.deepEqual(job?.payload, { a: 1 })
  assert.equal(job?.attempts, 0)
})

test('enqueueJobsFrom queues one job per row of the statement it is given, in that statement; none for no rows; none on rollback', async () => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const rows = (count: number) =>
    sql`select jsonb_build_object('n', g) as payload, timestamptz '2030-01-01T00:00:00Z' + g * interval '1 minute' as run_at
      from generate_series(1, ${count}::int) as g`
  const ids = await db.transaction().execute((trx) => enqueueJobsFrom(trx, rows(3), { name: 'noop', queue }))
  assert.equal(ids.length, 3)
  const jobs = await Promise.all(ids.map((id) => findJob(db, id)))
  assert.deepEqual(
    jobs.map((job) => [job?.status, job?.queue, job?.name, job?.payload, job?.run_at.toISOString()]),
    [1, 2, 3].map((n) => ['queued', queue, 'noop', { n }, new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString()]),
  )
  assert.deepEqual(await enqueueJobsFrom(db, rows(0), { name: 'noop', queue }), [])

  let rolledBack: number[] = []
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      rolledBack = await enqueueJobsFrom(trx, rows(2), { name: 'noop', queue })
      throw new Error('the caller failed')
    }),
    /the caller failed/,
  )
  assert.equal(rolledBack.length, 2)
  for (const id of rolledBack) assert.equal(await findJob(db, id), undefined)
})

test('a job runs once, with its payload, and is marked done', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const runs: unknown[] = []
  startWorker(t, {
    db,
    queue,
    handlers: {
      greet: async (payload, ctx) => {
        runs.push({ payload, attempt: ctx.attempt, id: ctx.id })
      },
    },
  })
  const id = await enqueueJob(db, { name: 'greet', payload: { name: 'Rosa', unicode: 'żółć 🍞' }, queue })
  const job = await waitFor('the job to be done', jobInState(db, id, 'done'))
  assert.deepEqual(runs, [{ payload: { name: 'Rosa', unicode: 'żółć 🍞' }, attempt: 1, id }])
  assert.equal(job.attempts, 1)
  assert.equal(job.locked_by, null)
  assert.equal(job.last_error, null)
  assert.ok(job.finished_at instanceof Date)
})

for (const start of TRICKY_HOURS) {
  test(`at ${start}: a failing job is retried after growing delays (past midnight), then goes dead with its last error kept`, async (t) => {
    const { db } = (await sharedTestDatabase()).database
    const queue = newQueue()
    const clock = testClock(start)
    const delay = (failedAttempts: number) => failedAttempts * 40 * MINUTE // 40 min, then 80 min
    const ranAt: string[] = []
    startWorker(t, {
      db,
      queue,
      clock,
      retryDelayMs: delay,
      handlers: {
        flaky: async (_payload, ctx) => {
          ranAt.push(clock().toISOString())
          throw new Error(`mail server down (attempt ${ctx.attempt})`)
        },
      },
    })
    const t0 = clock()
    const id = await enqueueJob(db, { name: 'flaky', payload: {}, queue, maxAttempts: 3, runAt: t0 })
    const first = await waitFor('the first failure', jobInState(db, id, 'failed', 1))
    assert.equal(first.run_at.toISOString(), later(t0, delay(1)).toISOString(), 'the retry is due 40 minutes later')
    assert.equal(await claimNextJob(db, queue, 'probe', later(first.run_at, -1)), undefined, 'not due a millisecond before')
    clock.set(first.run_at)
    const second = await waitFor('the second failure', jobInState(db, id, 'failed', 2))
    assert.equal(second.run_at.toISOString(), later(first.run_at, delay(2)).toISOString(), 'then 80 minutes later')
    assert.equal(await claimNextJob(db, queue, 'probe', later(second.run_at, -1)), undefined)
    clock.set(second.run_at)
    const job = await waitFor('the job to be dead', jobInState(db, id, 'dead', 3))
    assert.deepEqual(ranAt, [t0.toISOString(), first.run_at.toISOString(), second.run_at.toISOString()])
    assert.equal(job.last_error, 'mail server down (attempt 3)')
    assert.ok(job.finished_at instanceof Date)
    if (start.endsWith('23:30:00Z')) assert.notEqual(second.run_at.getUTCDate(), t0.getUTCDate(), 'the retries crossed midnight')
  })
}

test('a job that fails once and then succeeds is done, and keeps the error of its failed attempt', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  startWorker(t, {
    db,
    queue,
    handlers: {
      once: async (_payload, ctx) => {
        if (ctx.attempt === 1) throw new Error('temporary')
      },
    },
  })
  const id = await enqueueJob(db, { name: 'once', payload: null, queue })
  const job = await waitFor('the job to be done', jobInState(db, id, 'done'))
  assert.equal(job.attempts, 2)
  assert.equal(job.last_error, 'temporary')
})

test('the default backoff doubles from 2 s, is capped at an hour, and adds up to 20 % jitter', () => {
  assert.equal(
    retryDelayMs(1, () => 0),
    2000,
  )
  assert.equal(
    retryDelayMs(2, () => 0),
    4000,
  )
  assert.equal(
    retryDelayMs(5, () => 0),
    32_000,
  )
  assert.equal(
    retryDelayMs(1, () => 1),
    2400,
  )
  assert.equal(
    retryDelayMs(40, () => 0),
    3_600_000,
  )
})

test('a job whose name has no handler goes dead at once with an error that says so', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  startWorker(t, { db, queue, handlers: {} })
  const id = await enqueueJob(db, { name: 'reports.nightly', payload: {}, queue, maxAttempts: 5 })
  const job = await waitFor('the job to be dead', jobInState(db, id, 'dead'))
  assert.equal(job.attempts, 1)
  assert.equal(job.last_error, 'no handler is registered for job "reports.nightly"')
})

test('a scheduled job does not run before its run_at, while jobs due earlier run meanwhile', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const clock = testClock(TRICKY_HOURS[1])
  const ran: { name: string; at: string }[] = []
  const record: JobHandlers[string] = async (payload) => {
    ran.push({ name: String((payload as { name: string }).name), at: clock().toISOString() })
  }
  startWorker(t, { db, queue, clock, handlers: { record } })
  const runAt = later(clock(), 60 * MINUTE)
  const scheduled = await enqueueJob(db, { name: 'record', payload: { name: 'scheduled' }, queue, runAt })
  const now = await enqueueJob(db, { name: 'record', payload: { name: 'now' }, queue, runAt: clock() })
  await waitFor('the immediate job to be done', jobInState(db, now, 'done'))
  assert.equal(await claimNextJob(db, queue, 'probe', later(runAt, -1)), undefined, 'the scheduled job is not due a millisecond before')
  assert.equal((await findJob(db, scheduled))?.status, 'queued')
  clock.set(runAt)
  await waitFor('the scheduled job to be done', jobInState(db, scheduled, 'done'))
  assert.deepEqual(ran, [
    { name: 'now', at: TRICKY_HOURS[1].replace('Z', '.000Z') },
    { name: 'scheduled', at: runAt.toISOString() },
  ])
})

test('two workers, each with its own connection pool on PostgreSQL, never run the same job twice', async (t) => {
  const shared = await sharedTestDatabase()
  const db = shared.database.db
  // On PostgreSQL the second worker is another "instance": its own pool of
  // connections. PGlite is one connection in one process, so both share it.
  let otherDb = db
  if (testDatabaseKind() === 'postgres') {
    const other = openPostgres(shared.url as string, { max: 3 })
    t.after(() => other.close())
    otherDb = other.db
  }
  const queue = newQueue()
  const runs = new Map<number, string[]>()
  const handlersFor = (worker: string): JobHandlers => ({
    count: async (_payload, ctx) => {
      runs.set(ctx.id, [...(runs.get(ctx.id) ?? []), worker])
      await sleep(Math.random() * 5)
    },
  })
  const ids: number[] = []
  for (let i = 0; i < 30; i++) ids.push(await enqueueJob(db, { name: 'count', payload: { i }, queue }))
  startWorker(t, { db, queue, concurrency: 2, handlers: handlersFor('a') })
  startWorker(t, { db: otherDb, queue, concurrency: 2, handlers: handlersFor('b') })

  await waitFor('all 30 jobs to be done', async () => {
    const { rows } = await sql<{ n: number }>`select count(*) as n from jobs where queue = ${queue} and status = 'done'`.execute(db)
    return rows[0]?.n === 30
  })
  assert.deepEqual(
    ids.filter((id) => runs.get(id)?.length !== 1),
    [],
    'every job ran exactly once',
  )
  const byWorker = [...runs.values()].flat()
  assert.ok(byWorker.includes('a') && byWorker.includes('b'), 'both workers took jobs')
})

test('a job left running by a dead worker runs again once its lease has expired', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const clock = testClock(TRICKY_HOURS[1])
  const id = await enqueueJob(db, { name: 'resume', payload: {}, queue, runAt: clock() })
  // A worker claims the job and dies before finishing it.
  const claimedAt = clock()
  assert.equal((await claimNextJob(db, queue, 'killed-worker', claimedAt))?.id, id)
  const leaseMs = 300
  assert.deepEqual(
    (await releaseExpiredJobs(db, leaseMs, later(claimedAt, leaseMs))).filter((job) => job.id === id),
    [],
    'not released while the lease lasts',
  )

  const runs: { attempt: number; at: string }[] = []
  startWorker(t, {
    db,
    queue,
    clock,
    leaseMs,
    handlers: {
      resume: async (_payload, ctx) => {
        runs.push({ attempt: ctx.attempt, at: clock().toISOString() })
      },
    },
  })
  clock.advance(leaseMs + 1)
  const job = await waitFor('the abandoned job to be done', jobInState(db, id, 'done'))
  assert.deepEqual(runs, [{ attempt: 2, at: later(claimedAt, leaseMs + 1).toISOString() }], 'run again once, after the lease expired')
  assert.equal(job.attempts, 2)
  assert.match(job.last_error ?? '', /killed-worker stopped renewing its lease/)
})

test('a job that runs longer than the lease keeps it: no other worker runs it meanwhile', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const clock = testClock(TRICKY_HOURS[0])
  const leaseMs = 300
  const runs: number[] = []
  let finish!: () => void
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  const handlers: JobHandlers = {
    slow: async (_payload, ctx) => {
      runs.push(ctx.attempt)
      await finished
    },
  }
  startWorker(t, { db, queue, clock, leaseMs, handlers })
  startWorker(t, { db, queue, clock, leaseMs, handlers })
  const id = await enqueueJob(db, { name: 'slow', payload: {}, queue, runAt: clock() })
  await waitFor('the job to start', () => runs.length === 1)
  // Half a lease at a time, for three leases: each step waits for the heartbeat
  // to renew the lease at the new time, so it never lapses however slow the machine.
  for (let step = 0; step < 6; step++) {
    clock.advance(leaseMs / 2)
    const now = clock().getTime()
    await waitFor('the lease to be renewed', async () => (await findJob(db, id))?.locked_at?.getTime() === now)
  }
  finish()
  const job = await waitFor('the slow job to be done', jobInState(db, id, 'done'))
  assert.deepEqual(runs, [1])
  assert.equal(job.attempts, 1)
})

test('stop() waits for the running job to finish, then claims nothing more', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let started = false
  const worker = startWorker(t, {
    db,
    queue,
    handlers: {
      hold: async () => {
        started = true
        await released
      },
    },
  })
  const id = await enqueueJob(db, { name: 'hold', payload: {}, queue })
  await waitFor('the job to start', () => started)

  let stopped = false
  const stopping = worker.stop(5000).then((finished) => {
    stopped = true
    return finished
  })
  assert.equal((await findJob(db, id))?.status, 'running')
  assert.equal(stopped, false, 'stop() is still waiting for the job')
  release()
  assert.equal(await stopping, true)
  assert.equal((await findJob(db, id))?.status, 'done', 'the job was recorded before stop() resolved')

  const after = await enqueueJob(db, { name: 'hold', payload: {}, queue })
  assert.equal((await findJob(db, after))?.status, 'queued', 'a stopped worker takes no more jobs')
})

test('stop() gives up on a job that outlives its timeout, aborts its signal, and reports it', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  let started = false
  const worker = startWorker(t, {
    db,
    queue,
    handlers: {
      stuck: async (_payload, ctx) => {
        started = true
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
        throw new Error('abandoned at shutdown')
      },
    },
  })
  const id = await enqueueJob(db, { name: 'stuck', payload: {}, queue })
  await waitFor('the job to start', () => started)
  assert.equal(await worker.stop(100), false)
  const job = await waitFor('the job to be failed', jobInState(db, id, 'failed'))
  assert.equal(job.last_error, 'abandoned at shutdown')
})

test('stop() right after start returns at once, though the loops were in their first statements (no interval slept out)', async () => {
  const { db } = (await sharedTestDatabase()).database
  // The release loop's interval is half the lease: 30 s here, far beyond stop()'s timeout.
  const worker = startJobWorker({ db, log, clock: systemClock, queue: newQueue(), handlers: {}, leaseMs: MINUTE, pollMs: MINUTE })
  assert.equal(await worker.stop(5000), true)
})

test('finding the next runnable job can use the partial index', async () => {
  const { db } = (await sharedTestDatabase()).database
  const plan = await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx)
    const { rows } = await sql<Record<string, string>>`
      explain select id from jobs
       where queue = ${'default'} and status in ('queued', 'failed') and run_at <= ${new Date(TRICKY_HOURS[0])}
       order by run_at, id limit 1 for update skip locked`.execute(trx)
    return rows.map((row) => Object.values(row).join(' ')).join('\n')
  })
  assert.match(plan, /Index Scan using jobs_runnable_idx/)
})
