import type { JobHandlers } from '#core/jobs/queue.ts'
import { defaultMailFrom, mailJobHandlers } from '#core/mail/mailer.ts'
import type { Deps } from './deps.ts'
import { contentJobHandlers } from './features/content/content.jobs.ts'
import { formsJobHandlers } from './features/forms/forms.jobs.ts'
import { mediaJobHandlers } from './features/media/media.jobs.ts'
import { webhooksJobHandlers } from './features/webhooks/webhooks.jobs.ts'

/**
 * Every background job the app runs, by job name, in one explicit list (as
 * app.ts lists the features). The server's job worker runs these; a job whose
 * name is not here goes dead with an error saying so.
 */
export function jobHandlers(deps: Deps): JobHandlers {
  const { config, db } = deps
  return {
    ...mailJobHandlers({ db, templates: deps.mail, smtpUrl: config.smtpUrl, from: defaultMailFrom(config.publicUrl) }),
    ...contentJobHandlers(deps),
    ...mediaJobHandlers(deps),
    ...formsJobHandlers(deps),
    ...webhooksJobHandlers(deps),
  }
}
