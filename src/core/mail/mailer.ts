import type { Transporter } from 'nodemailer'
import { type Static, type TSchema, Type } from 'typebox'
import { Value } from 'typebox/value'
import type { Db } from '#core/db/database.ts'
import { enqueueJob, type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import { saveOutboxMessage } from './mail.queries.ts'
import { NoticeData, renderNotice } from './templates/notice.ts'

/**
 * Outgoing mail (issue 3, decision 0006). `queueMail` adds a `mail.send` job in
 * the caller's transaction; the job renders the template and sends the message
 * over SMTP, or keeps it when no SMTP_URL is configured. Either way the message
 * is written to `mail_outbox`, which the admin shows.
 */

export const MAIL_SEND_JOB = 'mail.send'

/** The templates, by name: a data schema (checked when queued and again when sent) and a renderer. */
const templates = {
  notice: { data: NoticeData, render: renderNotice },
} as const

export type MailTemplateName = keyof typeof templates
export type MailMessage<T extends MailTemplateName = MailTemplateName> = {
  to: string
  subject: string
  template: T
  data: Static<(typeof templates)[T]['data']>
}

const MailPayload = Type.Object({
  to: Type.String({ format: 'email', maxLength: 254 }),
  subject: Type.String({ minLength: 1, maxLength: 250, pattern: '^[^\\r\\n]*$' }),
  template: Type.String(),
  data: Type.Unknown(),
})

/**
 * Queues a mail. Pass the caller's transaction as `db`, so the mail goes out
 * only if the caller's writes commit. Throws a TypeError when the address,
 * subject, template or data are not valid (a bug in the caller, not bad luck at
 * sending time). Returns the job id.
 */
export function queueMail<T extends MailTemplateName>(db: Db, message: MailMessage<T>): Promise<number> {
  renderMail(message, (problem) => new TypeError(`queueMail: ${problem}`))
  return enqueueJob(db, { name: MAIL_SEND_JOB, payload: message })
}

/** Checks a message and renders its text and HTML bodies; `fail` makes the error for a problem. */
export function renderMail(message: unknown, fail: (problem: string) => Error = (problem) => new UnrecoverableJobError(problem)) {
  if (!Value.Check(MailPayload, message)) throw fail(`invalid message: ${firstError(MailPayload, message)}`)
  const template = Object.hasOwn(templates, message.template) ? templates[message.template as MailTemplateName] : undefined
  if (!template) throw fail(`unknown mail template "${message.template}"`)
  if (!Value.Check(template.data, message.data)) {
    throw fail(`invalid data for mail template "${message.template}": ${firstError(template.data, message.data)}`)
  }
  return { to: message.to, subject: message.subject, ...template.render(message.data) }
}

function firstError(schema: TSchema, value: unknown): string {
  const [error] = Value.Errors(schema, value)
  return error ? `${error.instancePath || '/'} ${error.message}` : 'does not match its schema'
}

export type MailOptions = {
  db: Db
  /** smtp:// or smtps:// URL (config.smtpUrl); unset → messages are kept in the outbox, not sent. */
  smtpUrl: string | undefined
  /** The sender address. */
  from: string
}

/** The sender when nothing else is configured: no-reply at the public host name. */
export function defaultMailFrom(publicUrl: string): string {
  const host = new URL(publicUrl).hostname
  // An IP address makes a poor mail domain; "localhost" is what a development setup has.
  return `no-reply@${/^[\d.]+$|^\[/.test(host) ? 'localhost' : host}`
}

/** The `mail.send` job handler, for the worker's handler list. */
export function mailJobHandlers(options: MailOptions): JobHandlers {
  const { db, from, smtpUrl } = options
  // nodemailer is loaded with the first mail (about 150 ms of start-up otherwise).
  // Short timeouts: its defaults (2 min to connect, 10 min idle) would hold a
  // worker slot that long when the mail server hangs; the job retries instead.
  let transport: Promise<Transporter> | undefined
  const smtp = () => {
    transport ??= import('nodemailer').then((nodemailer) =>
      nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }),
    )
    return transport
  }

  return {
    [MAIL_SEND_JOB]: async (payload, ctx) => {
      const mail = renderMail(payload)
      const record = (status: 'sent' | 'kept' | 'failed', error: string | null = null) =>
        saveOutboxMessage(db, { jobId: ctx.id, ...mail, status, error })
      if (!smtpUrl) {
        await record('kept')
        ctx.log.info({ to: mail.to, subject: mail.subject }, 'mail kept in the outbox (no SMTP_URL configured)')
        return
      }
      try {
        await (await smtp()).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html })
      } catch (error) {
        await record('failed', error instanceof Error ? error.message : String(error))
        throw error
      }
      // If this write fails the job retries and the message may go out twice:
      // delivery is at least once, never silently lost.
      await record('sent')
    },
  }
}
