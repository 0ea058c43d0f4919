import { randomBytes } from 'node:crypto'
import os from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { RawBuilder } from 'kysely'
import type { Clock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { safeErrorMessage } from '#core/log/serialize-error.ts'
import {
  type Claim,
  type ClaimedJob,
  claimNextJob,
  insertJob,
  insertJobsFrom,
  jobsFromRows,
  markJobDone,
  markJobFailed,
  releaseExpiredJobs,
  renewJobLease,
} from './jobs.queries.ts'
import { PRUNE_INTERVAL_MS, pruneFinishedWork } from './prune.ts'

/**
 * The durable job queue (issue 3, decision 0006): jobs are rows in `jobs`,
 * enqueued inside the caller's transaction and run by workers on any number of
 * instances, each job by one worker at a time, retried with exponential backoff,
 * kept as `dead` after their last attempt.
 */

export type JobContext = {
  id: number
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number
  maxAttempts: number
  log: FastifyBaseLogger
  /** Aborted when the worker stops and gives up waiting for this job (its lease then lapses and another worker retries it). */
  signal: AbortSignal
}

/**
 * Runs one job. The payload comes from the database as stored, so check its
 * shape. Throwing schedules a retry; throwing `UnrecoverableJobError` makes the
 * job dead at once. A job may run more than once (a retry after a failure that
 * happened after its side effect, or after a lost lease): make handlers safe to
 * repeat.
 */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<void>
export type JobHandlers = Readonly<Record<string, JobHandler>>

/** A failure that retrying cannot fix (bad payload, unknown template): the job goes dead without more attempts. */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'UnrecoverableJobError'
  }
}

export const DEFAULT_QUEUE = 'default'
export const DEFAULT_MAX_ATTEMPTS = 5
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000
const MAX_ERROR_LENGTH = 2000

export type NewJob = {
  name: string
  payload: unknown
  /** Not before this time (scheduled jobs); the database's now() when omitted (see jobs.queries.ts on the time). */
  runAt?: Date
  maxAttempts?: number
  queue?: string
}

/**
 * Adds a job. Pass the caller's transaction as `db` to enqueue atomically with
 * the caller's writes: a rolled-back transaction leaves no job behind. Returns
 * the job id.
 */
export function enqueueJob(db: Db, job: NewJob): Promise<number> {
  return insertJob(db, {
    queue: job.queue ?? DEFAULT_QUEUE,
    name: job.name,
    payload: job.payload,
    runAt: job.runAt,
    maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  })
}

/**
 * Adds one job per row that `rows` yields — a statement (typically an `insert … returning`) with a
 * `payload` (jsonb) and a `run_at` (timestamptz) per row — in one statement with it: a feature that
 * writes N rows and queues a job for each pays one round trip, not N + 1. Atomic as enqueueJob in the
 * caller's transaction. Returns the job ids.
 */
export function enqueueJobsFrom(db: Db, rows: RawBuilder<unknown>, job: Omit<NewJob, 'payload' | 'runAt'>): Promise<number[]> {
  return insertJobsFrom(db, rows, jobDefaults(job))
}

/**
 * enqueueJobsFrom as a part of the caller's own statement: the `insert` of one job per row of `source`
 * (a CTE's name, or a select in parentheses, with `payload` and `run_at`), to be a CTE of that statement
 * (a write, its jobs and more in one round trip without a transaction: forms' submission).
 */
export const jobsFrom = (source: RawBuilder<unknown>, job: Omit<NewJob, 'payload' | 'runAt'>) => jobsFromRows(source, jobDefaults(job))

const jobDefaults = (job: Omit<NewJob, 'payload' | 'runAt'>) => ({
  queue: job.queue ?? DEFAULT_QUEUE,
  name: job.name,
  maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
})

/**
 * The default wait before the next attempt after `attempts` failed ones:
 * 2 s, 4 s, 8 s, … at most an hour, plus up to 20 % random jitter so that jobs
 * which failed together (a mail server that was down) do not retry together.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(1000 * 2 ** attempts, MAX_RETRY_DELAY_MS)
  return Math.round(base * (1 + 0.2 * random()))
}

export type JobWorkerOptions = {
  db: Db
  /** The time the worker decides by: which jobs are due, leases, retry backoff (deps.clock; a test clock in tests). */
  clock: Clock
  handlers: JobHandlers
  log: FastifyBaseLogger
  /** The queue this worker takes jobs from. */
  queue?: string
  /** How long an idle loop waits before it looks for a job again. */
  pollMs?: number
  /** How many jobs this worker runs at the same time (each loop claims one job at a time). */
  concurrency?: number
  /**
   * A running job whose lease is older than this is taken to belong to a dead
   * worker and runs again. The worker renews the leases of its running jobs
   * every third of this, so a long job keeps its lease.
   */
  leaseMs?: number
  /** Wait before the next attempt, given the number of attempts made so far. */
  retryDelayMs?: (attempts: number) => number
  workerId?: string
}

export type JobWorker = {
  readonly id: string
  /**
   * Stops claiming jobs and waits (at most `timeoutMs`) for the running ones.
   * Resolves true when they finished in time. A job that outlives the timeout is
   * abandoned: its lease is no longer renewed, so a worker retries it later.
   */
  stop(timeoutMs?: number): Promise<boolean>
}

export const STOP_TIMEOUT_MS = 10_000

/**
 * Starts worker loops that claim one job at a time in a short statement (its
 * own transaction, committed at once), run the handler outside any transaction
 * (PGlite has one connection: an open transaction would block every request for
 * as long as the handler waits on the network), then record the outcome. One
 * more loop returns the jobs of dead workers to the queue.
 */
export function startJobWorker(options: JobWorkerOptions): JobWorker {
  const { db, clock, handlers, log } = options
  const queue = options.queue ?? DEFAULT_QUEUE
  const pollMs = options.pollMs ?? 1000
  const leaseMs = options.leaseMs ?? 60_000
  const retryDelay = options.retryDelayMs ?? retryDelayMs
  const workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const abandon = new AbortController()
  const heartbeats = new Set<NodeJS.Timeout>()
  const sleepers = new Set<() => void>()
  let stopping = false

  /**
   * Waits `ms`, or less when the worker stops; not at all once it is stopping (a loop that was in
   * a statement when stop() woke the sleepers would otherwise sleep its whole interval, 30 s for the
   * release loop, past stop()'s timeout).
   */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve()
      const wake = () => {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })

  async function runJob(job: ClaimedJob) {
    const claim: Claim = { id: job.id, workerId, attempt: job.attempts }
    const jobLog = log.child({ job: { id: job.id, name: job.name, attempt: job.attempts } })
    let renewing: Promise<unknown> = Promise.resolve()
    const heartbeat = setInterval(() => {
      renewing = renewJobLease(db, claim, clock()).then(
        (ours) => {
          if (!ours) jobLog.warn('the lease of this running job was lost; another worker may run it again')
        },
        (error: unknown) => jobLog.warn({ err: error }, 'cannot renew the lease of a running job'),
      )
    }, leaseMs / 3)
    heartbeats.add(heartbeat)
    let failure: unknown
    let failed = false
    try {
      const handler = Object.hasOwn(handlers, job.name) ? handlers[job.name] : undefined
      if (!handler) throw new UnrecoverableJobError(`no handler is registered for job "${job.name}"`)
      await handler(job.payload, { id: job.id, attempt: job.attempts, maxAttempts: job.max_attempts, log: jobLog, signal: abandon.signal })
    } catch (error) {
      failure = error
      failed = true
    } finally {
      clearInterval(heartbeat)
      heartbeats.delete(heartbeat)
      await renewing
    }
    if (!failed) {
      if (!(await markJobDone(db, claim))) jobLog.warn('job finished after its lease was lost; not marked done')
      return
    }
    const unrecoverable = failure instanceof UnrecoverableJobError
    const status = await markJobFailed(
      db,
      claim,
      { error: describe(failure), retryInMs: retryDelay(job.attempts), giveUp: unrecoverable },
      clock(),
    )
    if (status === 'dead') jobLog.error({ err: failure }, `job is dead after ${job.attempts} attempt(s)`)
    else if (status === 'failed') jobLog.warn({ err: failure }, 'job failed; it will be retried')
    else jobLog.warn({ err: failure }, 'job failed after its lease was lost')
  }

  async function claimLoop() {
    while (!stopping) {
      try {
        const job = await claimNextJob(db, queue, workerId, clock())
        if (job) await runJob(job)
        else await sleep(pollMs)
      } catch (error) {
        // The database is unreachable or restarting: a job being recorded stays
        // `running` and comes back after its lease. Try again later.
        log.error({ err: error, workerId }, 'job worker: database error')
        await sleep(pollMs)
      }
    }
  }

  let prunedAt: number | undefined
  async function releaseLoop() {
    while (!stopping) {
      try {
        for (const job of await releaseExpiredJobs(db, leaseMs, clock())) {
          log.warn({ job: { id: job.id, name: job.name }, status: job.status, lockedBy: job.locked_by }, 'job lease expired; released')
        }
      } catch (error) {
        log.error({ err: error, workerId }, 'job worker: cannot release expired jobs')
      }
      // Finished jobs, delivered mail, old changes and idle limiter keys are pruned at start and then hourly (by the worker's clock).
      const now = clock()
      if (prunedAt === undefined || now.getTime() - prunedAt >= PRUNE_INTERVAL_MS || now.getTime() < prunedAt) {
        prunedAt = now.getTime()
        try {
          const pruned = await pruneFinishedWork(db, now)
          if (pruned.jobs + pruned.mail + pruned.changes + pruned.limits > 0)
            log.info({ workerId, ...pruned }, 'pruned finished jobs, delivered mail, old changes and idle limits')
        } catch (error) {
          log.error({ err: error, workerId }, 'job worker: cannot prune finished jobs')
        }
      }
      await sleep(leaseMs / 2)
    }
  }

  const concurrency = Math.max(1, options.concurrency ?? 1)
  const loops = [releaseLoop(), ...Array.from({ length: concurrency }, () => claimLoop())]
  log.info({ workerId, queue, concurrency }, 'job worker started')

  return {
    id: workerId,
    async stop(timeoutMs = STOP_TIMEOUT_MS) {
      stopping = true
      for (const wake of [...sleepers]) wake()
      let timer: NodeJS.Timeout | undefined
      const finished = await Promise.race([
        Promise.all(loops).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs)
        }),
      ])
      clearTimeout(timer)
      if (!finished) {
        log.warn({ workerId }, `running jobs did not finish within ${timeoutMs} ms; abandoning them to be retried`)
        for (const heartbeat of heartbeats) clearInterval(heartbeat)
        heartbeats.clear()
        abandon.abort()
      }
      return finished
    },
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? safeErrorMessage(error) || error.name : String(error)
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text
}
