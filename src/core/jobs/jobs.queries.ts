import type { RawBuilder } from 'kysely'
import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'dead'

export type JobRow = {
  id: number
  queue: string
  name: string
  payload: unknown
  status: JobStatus
  attempts: number
  max_attempts: number
  run_at: Date
  locked_at: Date | null
  locked_by: string | null
  last_error: string | null
  created_at: Date
  updated_at: Date
  finished_at: Date | null
}

/** What a worker needs to run a job it has claimed. */
export type ClaimedJob = Pick<JobRow, 'id' | 'name' | 'payload' | 'attempts' | 'max_attempts'>

/** A claim is identified by the job, the worker and the attempt it started (a reclaimed job has a higher attempt). */
export type Claim = { id: number; workerId: string; attempt: number }

// The time (issue 8): every time a decision reads comes from the worker's
// clock, passed as `now`: run_at (due, retry backoff) and locked_at (leases).
// finished_at and updated_at only record when a row changed, and nothing
// compares them, so they stay the database's now(). A job enqueued without
// run_at is due at the database's now(): at once for a worker whose clock is
// not behind the database's (a test clock set in the past must enqueue with
// an explicit runAt).
export const insertJob = (db: Db, job: { queue: string; name: string; payload: unknown; runAt: Date | undefined; maxAttempts: number }) =>
  // The payload is sent as text and cast on the server (decision 0002).
  sql<{ id: number }>`
    insert into jobs (queue, name, payload, run_at, max_attempts)
    values (${job.queue}, ${job.name}, ${JSON.stringify(job.payload ?? null)}::text::jsonb,
            coalesce(${job.runAt ?? null}::timestamptz, now()), ${job.maxAttempts})
    returning id`
    .execute(db)
    .then((r) => (r.rows[0] as { id: number }).id)

/**
 * The insert of one job per row of `source` (a relation with a `payload` jsonb and a `run_at` timestamptz:
 * a CTE's name, or a select in parentheses), returning their ids: for a CTE of the statement that makes
 * the rows (data-modifying CTEs cannot nest, so the caller's statement holds them all at its top level).
 */
export const jobsFromRows = (source: RawBuilder<unknown>, job: { queue: string; name: string; maxAttempts: number }) =>
  sql<{ id: number }>`insert into jobs (queue, name, payload, run_at, max_attempts)
    select ${job.queue}, ${job.name}, source.payload, source.run_at, ${job.maxAttempts} from ${source} as source
    returning id`

/**
 * One job per row of `rows` (a statement with a `payload` jsonb and a `run_at` timestamptz per row,
 * typically a data-modifying CTE's `returning`), inserted by the same statement that made the rows.
 */
export const insertJobsFrom = (db: Db, rows: RawBuilder<unknown>, job: { queue: string; name: string; maxAttempts: number }) =>
  sql<{ id: number }>`with source as (${rows}) ${jobsFromRows(sql`source`, job)}`
    .execute(db)
    .then((r) => r.rows.map((row) => Number(row.id)))

/**
 * Takes the next runnable job of a queue and marks it running, in one statement
 * (so one implicit transaction, committed before the handler runs). The inner
 * select walks `jobs_runnable_idx`; SKIP LOCKED passes over rows another worker is
 * claiming at this moment instead of waiting for them, so concurrent workers each
 * get a different job.
 */
export const claimNextJob = (db: Db, queue: string, workerId: string, now: Date) =>
  sql<ClaimedJob>`
    update jobs
       set status = 'running', attempts = attempts + 1, locked_at = ${now}, locked_by = ${workerId}, updated_at = now()
     where id = (
       select id from jobs
        where queue = ${queue} and status in ('queued', 'failed') and run_at <= ${now}
        order by run_at, id
        limit 1
        for update skip locked)
    returning id, name, payload, attempts, max_attempts`
    .execute(db)
    .then((r) => r.rows[0])

/** Renews the lease of a running job. False when the claim is no longer ours (the lease expired and another worker took it). */
export const renewJobLease = (db: Db, claim: Claim, now: Date) =>
  sql`update jobs set locked_at = ${now}, updated_at = now()
       where id = ${claim.id} and status = 'running' and locked_by = ${claim.workerId} and attempts = ${claim.attempt}`
    .execute(db)
    .then((r) => r.numAffectedRows === 1n)

export const markJobDone = (db: Db, claim: Claim) =>
  sql`update jobs set status = 'done', locked_at = null, locked_by = null, finished_at = now(), updated_at = now()
       where id = ${claim.id} and status = 'running' and locked_by = ${claim.workerId} and attempts = ${claim.attempt}`
    .execute(db)
    .then((r) => r.numAffectedRows === 1n)

/**
 * Records a failed attempt: `failed` with the next run `retryInMs` after `now`,
 * or `dead` when this was the last attempt or `giveUp` is set.
 */
export const markJobFailed = (db: Db, claim: Claim, failure: { error: string; retryInMs: number; giveUp: boolean }, now: Date) =>
  sql<{ status: JobStatus }>`
    update jobs
       set status = case when ${failure.giveUp}::boolean or attempts >= max_attempts then 'dead' else 'failed' end,
           run_at = case when ${failure.giveUp}::boolean or attempts >= max_attempts then run_at
                         else ${new Date(now.getTime() + Math.max(0, Math.round(failure.retryInMs)))}::timestamptz end,
           finished_at = case when ${failure.giveUp}::boolean or attempts >= max_attempts then now() end,
           last_error = ${failure.error}, locked_at = null, locked_by = null, updated_at = now()
     where id = ${claim.id} and status = 'running' and locked_by = ${claim.workerId} and attempts = ${claim.attempt}
    returning status`
    .execute(db)
    .then((r) => r.rows[0]?.status)

/**
 * Jobs whose worker stopped renewing the lease (a killed instance) become
 * runnable again at once, or dead when that was their last attempt. Returns them.
 */
export const releaseExpiredJobs = (db: Db, leaseMs: number, now: Date) =>
  sql<Pick<JobRow, 'id' | 'name' | 'status' | 'locked_by'>>`
    with expired as (
      select id, locked_by from jobs
       where status = 'running' and locked_at < ${new Date(now.getTime() - Math.round(leaseMs))}
       for update skip locked)
    update jobs
       set status = case when jobs.attempts >= jobs.max_attempts then 'dead' else 'failed' end,
           finished_at = case when jobs.attempts >= jobs.max_attempts then now() end,
           run_at = ${now},
           last_error = 'the worker ' || coalesce(expired.locked_by, '?') || ' stopped renewing its lease (killed or stuck)',
           locked_at = null, locked_by = null, updated_at = now()
      from expired
     where jobs.id = expired.id
    returning jobs.id, jobs.name, jobs.status, expired.locked_by`
    .execute(db)
    .then((r) => r.rows)

/** Replaces a job's payload (the mail job keeps a redacted copy of what it sent). */
export const replaceJobPayload = (db: Db, id: number, payload: unknown) =>
  sql`update jobs set payload = ${JSON.stringify(payload ?? null)}::text::jsonb, updated_at = now() where id = ${id}`.execute(db)

/** Deletes jobs that finished (done) before `doneBefore` and that went dead before `deadBefore`; answers how many. */
export const deleteFinishedJobs = (db: Db, doneBefore: Date, deadBefore: Date) =>
  sql`delete from jobs
       where (status = 'done' and finished_at < ${doneBefore}) or (status = 'dead' and finished_at < ${deadBefore})`
    .execute(db)
    .then((r) => Number(r.numAffectedRows ?? 0))

export type JobListRow = Omit<JobRow, 'payload' | 'locked_by'>

/** The list's order: newest first, by id. */
export const JOB_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** Jobs newest first (by id), optionally of one status; never the payload (it may hold a mail's one-time link). */
export function listJobs(db: Db, options: { limit: number; after?: Cursor; status?: JobStatus }) {
  const order = keyset(JOB_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.status !== undefined) where.push(sql`status = ${options.status}`)
  return sql<JobListRow>`select id, queue, name, status, attempts, max_attempts, run_at, locked_at, last_error,
                                created_at, updated_at, finished_at
      from jobs where ${sql.join(where, sql` and `)}
      order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

/**
 * Puts a dead job back in the queue, due at `now`, with its attempts counted
 * afresh (the admin's "retry"); answers the job, or undefined when it is not dead.
 */
export const requeueDeadJob = (db: Db, id: number, now: Date) =>
  sql<JobListRow>`update jobs set status = 'queued', attempts = 0, run_at = ${now}, finished_at = null, updated_at = now()
      where id = ${id} and status = 'dead'
      returning id, queue, name, status, attempts, max_attempts, run_at, locked_at, last_error, created_at, updated_at, finished_at`
    .execute(db)
    .then((r) => r.rows[0])

/** A job's status, or undefined for an unknown job. */
export const findJobStatus = (db: Db, id: number) =>
  sql<{ status: JobStatus }>`select status from jobs where id = ${id}`.execute(db).then((r) => r.rows[0]?.status)
