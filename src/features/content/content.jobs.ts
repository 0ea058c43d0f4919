import { type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import type { Deps } from '../../deps.ts'
import { PUBLISH_SCHEDULED_JOB, publishScheduledContent } from './content.service.ts'

/**
 * Scheduled publishing (issue 4, part 4). The job is queued with run_at = publish_at by scheduleContent;
 * the post is published if it is due by `deps.clock` when the job runs.
 */
export const contentJobHandlers = (deps: Pick<Deps, 'db' | 'clock'>): JobHandlers => ({
  [PUBLISH_SCHEDULED_JOB]: async (payload) => {
    const postId = (payload as { post_id?: unknown } | null)?.post_id
    if (!Number.isSafeInteger(postId)) throw new UnrecoverableJobError('payload.post_id must be an integer')
    await publishScheduledContent(deps.db, postId as number, deps.clock())
  },
})
