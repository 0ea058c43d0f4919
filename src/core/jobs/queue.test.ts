import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { type Db, openPostgres, sql } from '#core/db/database.ts'
import { sharedTestDatabase, testDatabaseKind } from '../../../test/db.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { claimNextJob, findJob, type JobStatus } from './jobs.queries.ts'
import { enqueueJob, type JobHandlers, type JobWorkerOptions, retryDelayMs, startJobWorker } from './queue.ts'

// Logs go nowhere unless LOG_LEVEL asks for them (scripts/test.ts sets `silent`).
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** A queue of its own for each test, so tests on the file's shared database never take each other's jobs. */
const newQueue = () => `test_${randomBytes(4).toString('hex')}`

/** A worker with short intervals, stopped after the test. */
function startWorker(t: TestContext, options: Pick<JobWorkerOptions, 'db' | 'handlers' | 'queue'> & Partial<JobWorkerOptions>) {
  const worker = startJobWorker({ log, pollMs: 10, retryDelayMs: () => 10, ...options })
  t.after(() => worker.stop())
  return worker
}

const jobInState = (db: Db, id: number, status: JobStatus) => async () => {
  const job = await findJob(db, id)
  return job?.status === status ? job : undefined
}

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

test('a failing job is retried after growing delays, then goes dead with its last error kept', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const started: number[] = []
  const attempts: number[] = []
  const delay = (failedAttempts: number) => 60 * 2 ** (failedAttempts - 1) // 60 ms, then 120 ms
  startWorker(t, {
    db,
    queue,
    retryDelayMs: delay,
    handlers: {
      flaky: async (_payload, ctx) => {
        started.push(performance.timeOrigin + performance.now())
        attempts.push(ctx.attempt)
        throw new Error(`mail server down (attempt ${ctx.attempt})`)
      },
    },
  })
  const id = await enqueueJob(db, { name: 'flaky', payload: {}, queue, maxAttempts: 3 })
  const job = await waitFor('the job to be dead', jobInState(db, id, 'dead'))
  assert.deepEqual(attempts, [1, 2, 3])
  assert.equal(job.attempts, 3)
  assert.equal(job.last_error, 'mail server down (attempt 3)')
  assert.ok(job.finished_at instanceof Date)
  // Each retry waited at least its backoff (2 ms of slack for clock rounding).
  const [first, second, third] = started as [number, number, number]
  assert.ok(second - first >= delay(1) - 2, `first retry after ${second - first} ms`)
  assert.ok(third - second >= delay(2) - 2, `second retry after ${third - second} ms`)
})

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

test('a scheduled job does not run before its run_at, while later jobs run meanwhile', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const ran: { name: string; at: number }[] = []
  const record: JobHandlers[string] = async (payload) => {
    ran.push({ name: String((payload as { name: string }).name), at: Date.now() })
  }
  startWorker(t, { db, queue, handlers: { record } })
  const runAt = new Date(Date.now() + 400)
  const scheduled = await enqueueJob(db, { name: 'record', payload: { name: 'scheduled' }, queue, runAt })
  const now = await enqueueJob(db, { name: 'record', payload: { name: 'now' }, queue })
  await waitFor('the immediate job to be done', jobInState(db, now, 'done'))
  await waitFor('the scheduled job to be done', jobInState(db, scheduled, 'done'))
  assert.deepEqual(
    ran.map((run) => run.name),
    ['now', 'scheduled'],
  )
  const scheduledRun = ran[1] as { at: number }
  assert.ok(scheduledRun.at >= runAt.getTime(), `ran ${runAt.getTime() - scheduledRun.at} ms before its run_at`)
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
  const id = await enqueueJob(db, { name: 'resume', payload: {}, queue })
  // A worker claims the job and dies before finishing it.
  const claimedAt = Date.now()
  assert.equal((await claimNextJob(db, queue, 'killed-worker'))?.id, id)

  const leaseMs = 300
  const runs: { attempt: number; at: number }[] = []
  startWorker(t, {
    db,
    queue,
    leaseMs,
    handlers: {
      resume: async (_payload, ctx) => {
        runs.push({ attempt: ctx.attempt, at: Date.now() })
      },
    },
  })
  const job = await waitFor('the abandoned job to be done', jobInState(db, id, 'done'))
  assert.equal(runs.length, 1)
  assert.equal(runs[0]?.attempt, 2)
  assert.ok((runs[0]?.at ?? 0) - claimedAt >= leaseMs, 'not before the lease expired')
  assert.equal(job.attempts, 2)
  assert.match(job.last_error ?? '', /killed-worker stopped renewing its lease/)
})

test('a job that runs longer than the lease keeps it: no other worker runs it meanwhile', async (t) => {
  const { db } = (await sharedTestDatabase()).database
  const queue = newQueue()
  const leaseMs = 300
  const runs: number[] = []
  const handlers: JobHandlers = {
    slow: async (_payload, ctx) => {
      runs.push(ctx.attempt)
      await sleep(leaseMs * 3)
    },
  }
  startWorker(t, { db, queue, leaseMs, handlers })
  startWorker(t, { db, queue, leaseMs, handlers })
  const id = await enqueueJob(db, { name: 'slow', payload: {}, queue })
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

test('finding the next runnable job can use the partial index', async () => {
  const { db } = (await sharedTestDatabase()).database
  const plan = await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx)
    const { rows } = await sql<Record<string, string>>`
      explain select id from jobs
       where queue = ${'default'} and status in ('queued', 'failed') and run_at <= now()
       order by run_at, id limit 1 for update skip locked`.execute(trx)
    return rows.map((row) => Object.values(row).join(' ')).join('\n')
  })
  assert.match(plan, /Index Scan using jobs_runnable_idx/)
})
