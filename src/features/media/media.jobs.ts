import type { Db } from '#core/db/database.ts'
import { type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import { generateMediaVariants, MEDIA_VARIANTS_JOB } from './media.service.ts'
import type { MediaStore } from './media.store.ts'

/** Responsive variants (issue 4, part 5), queued by uploadMedia for still images. */
export const mediaJobHandlers = (deps: { db: Db; store: MediaStore }): JobHandlers => ({
  [MEDIA_VARIANTS_JOB]: async (payload) => {
    const mediaId = (payload as { media_id?: unknown } | null)?.media_id
    if (!Number.isSafeInteger(mediaId)) throw new UnrecoverableJobError('payload.media_id must be an integer')
    await generateMediaVariants(deps.db, deps.store, mediaId as number)
  },
})
