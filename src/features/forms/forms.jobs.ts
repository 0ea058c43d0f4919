import type { Db } from '#core/db/database.ts'
import { enqueueJob, type JobHandlers } from '#core/jobs/queue.ts'
import type { Deps } from '../../deps.ts'
import type { MediaStore } from '../media/media.store.ts'
import { deleteExpiredSubmissions, deleteStalePendingFiles, deleteUsedTokensBefore, hasPendingJob } from './forms.queries.ts'
import { removeUnkeptFiles } from './forms.service.ts'

/**
 * Retention (issue 12, item 4): a job that deletes the submissions older than
 * their form's `retention_days`, with their files, the used render tokens
 * that have expired, and the bytes of uploads whose submission never committed. It runs hourly: each run queues the next (and a form's
 * creation or change queues one when none waits), so one job stays in the queue.
 */
export const RETENTION_JOB = 'forms.delete_expired_submissions'
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000
const BATCH = 500
/** An upload noted in flight (form_pending_files) for longer than this has lost its submission. */
export const PENDING_UPLOAD_MAX_AGE_MS = 60 * 60 * 1000

/** Queues the retention job at `runAt` unless one already waits. Pass the caller's transaction. */
export async function scheduleRetention(db: Db, runAt: Date) {
  if (!(await hasPendingJob(db, RETENTION_JOB))) await enqueueJob(db, { name: RETENTION_JOB, payload: null, runAt })
}

/** Deletes what retention allows at `now`; returns the number of submissions deleted. */
export async function deleteExpired(db: Db, store: MediaStore, now: Date): Promise<number> {
  let deleted = 0
  for (;;) {
    const rows = await deleteExpiredSubmissions(db, now, BATCH)
    const count = rows[0]?.submissions ?? 0
    deleted += count
    await removeUnkeptFiles(db, store, rows)
    if (count < BATCH) break
  }
  await deleteUsedTokensBefore(db, now)
  // Uploads still in flight an hour on: their submission failed and its clean-up did not run (a crash).
  await removeUnkeptFiles(db, store, await deleteStalePendingFiles(db, new Date(now.getTime() - PENDING_UPLOAD_MAX_AGE_MS)))
  return deleted
}

export const formsJobHandlers = (deps: Pick<Deps, 'db' | 'clock' | 'privateStore'>): JobHandlers => ({
  [RETENTION_JOB]: async (_payload, ctx) => {
    const now = deps.clock()
    const deleted = await deleteExpired(deps.db, deps.privateStore, now)
    if (deleted > 0) ctx.log.info({ deleted }, 'deleted submissions past their form’s retention')
    // The next run; this job is still `running`, so the check is skipped and exactly one is queued.
    await enqueueJob(deps.db, { name: RETENTION_JOB, payload: null, runAt: new Date(now.getTime() + RETENTION_INTERVAL_MS) })
  },
})
