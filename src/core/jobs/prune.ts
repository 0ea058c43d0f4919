import { deleteChangesBefore } from '#core/changes/changes.queries.ts'
import type { Db } from '#core/db/database.ts'
import { deleteSentOutboxMessages } from '#core/mail/mail.queries.ts'
import { pruneIdleLimits } from '#core/security/limiter.ts'
import { deleteFinishedJobs } from './jobs.queries.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * How long finished work is kept (issue 9, item 7): long enough to look into a
 * problem, short enough that addresses and links do not pile up. Done jobs 7
 * days, dead ones 30 (they are what someone looks into), delivered mail 30.
 * Mail kept in the outbox without SMTP (`kept`) and failed mail stay. The change
 * feed's rows 7 days (decision 0011: a reader further behind starts afresh);
 * pruned here rather than by a writer, which holds the feed's order lock.
 * The limiter's keys once no rule can count them (core/security/limiter.ts).
 */
export const RETENTION = Object.freeze({ doneJobsMs: 7 * DAY_MS, deadJobsMs: 30 * DAY_MS, sentMailMs: 30 * DAY_MS, changesMs: 7 * DAY_MS })

/** How often a job worker prunes. */
export const PRUNE_INTERVAL_MS = 60 * 60 * 1000

/** Deletes the finished jobs, delivered mail and changes older than RETENTION and the idle limiter keys, as seen at `now` (the clock's time, not the database's). */
export async function pruneFinishedWork(db: Db, now: Date): Promise<{ jobs: number; mail: number; changes: number; limits: number }> {
  const before = (ms: number) => new Date(now.getTime() - ms)
  const jobs = await deleteFinishedJobs(db, before(RETENTION.doneJobsMs), before(RETENTION.deadJobsMs))
  const mail = await deleteSentOutboxMessages(db, before(RETENTION.sentMailMs))
  const changes = await deleteChangesBefore(db, before(RETENTION.changesMs))
  const limits = await pruneIdleLimits(db, now)
  return { jobs, mail, changes, limits }
}
