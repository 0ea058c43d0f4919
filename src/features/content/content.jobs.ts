import type { Db } from '#core/db/database.ts'
import { type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import { PUBLISH_SCHEDULED_JOB, publishScheduledContent } from './content.service.ts'

/** Scheduled publishing (issue 4, part 4). The job is queued with run_at = publish_at by scheduleContent. */
export const contentJobHandlers = (deps: { db: Db }): JobHandlers => ({
  [PUBLISH_SCHEDULED_JOB]: async (payload) => {
    const postId = (payload as { post_id?: unknown } | null)?.post_id
    if (!Number.isSafeInteger(postId)) throw new UnrecoverableJobError('payload.post_id must be an integer')
    await publishScheduledContent(deps.db, postId as number)
  },
})
