import type { Config } from '#core/config.ts'
import type { Db } from '#core/db/database.ts'
import type { JobHandlers } from '#core/jobs/queue.ts'
import { defaultMailFrom, mailJobHandlers } from '#core/mail/mailer.ts'
import { contentJobHandlers } from './features/content/content.jobs.ts'
import { mediaJobHandlers } from './features/media/media.jobs.ts'
import { localMediaStore } from './features/media/media.store.ts'

/**
 * Every background job the app runs, by job name, in one explicit list (as
 * app.ts lists the features). The server's job worker runs these; a job whose
 * name is not here goes dead with an error saying so.
 */
export function jobHandlers(deps: { config: Config; db: Db }): JobHandlers {
  const { config, db } = deps
  return {
    ...mailJobHandlers({ db, smtpUrl: config.smtpUrl, from: defaultMailFrom(config.publicUrl) }),
    ...contentJobHandlers({ db }),
    ...mediaJobHandlers({ db, store: localMediaStore(config.dataDir) }),
  }
}
