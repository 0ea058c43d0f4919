import type { Db } from '#core/db/database.ts'
import { conflict, notFound } from '#core/http/errors.ts'
import { findJobStatus, requeueDeadJob } from '#core/jobs/jobs.queries.ts'

/** Queues a dead job again at `now`; 404 for an unknown job, 409 for one that is not dead. */
export async function retryDeadJob(db: Db, id: number, now: Date) {
  const job = await requeueDeadJob(db, id, now)
  if (job) return job
  const status = await findJobStatus(db, id)
  if (status === undefined) throw notFound('job', id)
  throw conflict(`Only a dead job can be retried; this one is ${status}.`)
}
