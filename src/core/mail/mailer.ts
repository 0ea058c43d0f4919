import type { Transporter } from 'nodemailer'
import { type Static, type TSchema, Type } from 'typebox'
import type { Db } from '#core/db/database.ts'
import { escapeHtml } from '#core/escape-html.ts'
import { replaceJobPayload } from '#core/jobs/jobs.queries.ts'
import { enqueueJob, type JobHandlers, UnrecoverableJobError } from '#core/jobs/queue.ts'
import { typeboxValue } from '#core/typebox-value.ts'
import { saveOutboxMessage } from './mail.queries.ts'

/**
 * Outgoing mail (issue 3, decision 0006). `queueMail` adds a `mail.send` job in
 * the caller's transaction; the job renders the template and sends the message
 * over SMTP, or keeps it when no SMTP_URL is configured. Either way the message
 * is written to `mail_outbox` (the admin UI of issue 13 will list it).
 *
 * Core lists no templates (issue 8, item 3): a feature defines the mails it sends
 * with `defineMailTemplate` and registers them in the app's one `MailTemplates`
 * (`Deps.mail`) when the app is built; the job renders through that registry.
 * `templates/notice.ts` is a layout features can build on.
 */

export const MAIL_SEND_JOB = 'mail.send'

export type RenderedMail = { text: string; html: string }

/** A mail template: its name in the job payload, a data schema (checked when queued and again when sent) and a renderer. */
export type MailTemplate<S extends TSchema = TSchema> = {
  readonly name: string
  readonly data: S
  readonly render: (data: Static<S>) => RenderedMail
  /**
   * The data fields that hold a one-time link or another secret (`['url']`):
   * once the mail is sent, the outbox row and the job's payload keep them
   * redacted (a URL's query values become `…`), never readable (issue 9, item 7).
   */
  readonly secretFields: readonly string[]
}

const TEMPLATE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/

/** Names a template (`users.password_reset`: the feature first). Throws a TypeError for a malformed name. */
export function defineMailTemplate<S extends TSchema>(
  name: string,
  template: { data: S; render: (data: Static<S>) => RenderedMail; secretFields?: readonly (keyof Static<S> & string)[] },
): MailTemplate<S> {
  if (!TEMPLATE_NAME.test(name) || name.length > 100) throw new TypeError(`mail template name "${name}" is not like "feature.name"`)
  return Object.freeze({
    name,
    data: template.data,
    render: template.render,
    secretFields: Object.freeze([...(template.secretFields ?? [])]),
  })
}

/**
 * A secret value as kept after sending: a URL keeps its origin and path, and
 * each query value becomes `…` (`https://site/reset-password?token=…`);
 * anything else becomes `…`.
 */
export function redactSecret(value: unknown): string {
  if (typeof value !== 'string') return '…'
  try {
    const url = new URL(value)
    if (url.search === '' && url.hash === '') return `${url.origin}/…`
    const keys = [...url.searchParams.keys()]
    return `${url.origin}${url.pathname}${keys.length > 0 ? `?${keys.map((key) => `${encodeURIComponent(key)}=…`).join('&')}` : ''}`
  } catch {
    return '…'
  }
}

/**
 * The message and its data with the template's secret fields redacted: in the
 * data, and wherever their value (or its HTML-escaped form) shows in the
 * rendered text and HTML.
 */
function redactMail<M extends { text: string; html: string }>(template: MailTemplate, data: unknown, mail: M): { data: unknown; mail: M } {
  if (template.secretFields.length === 0 || typeof data !== 'object' || data === null) return { data, mail }
  const redactedData: Record<string, unknown> = { ...(data as Record<string, unknown>) }
  let { text, html } = mail
  for (const field of template.secretFields) {
    const value = redactedData[field]
    if (value === undefined) continue
    const redacted = redactSecret(value)
    redactedData[field] = redacted
    if (typeof value === 'string' && value !== '') {
      text = text.replaceAll(value, redacted)
      html = html.replaceAll(escapeHtml(value), escapeHtml(redacted)).replaceAll(value, escapeHtml(redacted))
    }
  }
  return { data: redactedData, mail: { ...mail, text, html } }
}

/** The templates the `mail.send` job can render, by name. One per app, in `Deps.mail`. */
export type MailTemplates = {
  /** Adds templates. Registering the same template again does nothing; another template under a taken name throws. */
  register: (...templates: MailTemplate[]) => void
  find: (name: string) => MailTemplate | undefined
}

export function createMailTemplates(): MailTemplates {
  const byName = new Map<string, MailTemplate>()
  return Object.freeze({
    register(...templates: MailTemplate[]) {
      for (const template of templates) {
        const taken = byName.get(template.name)
        if (taken && taken !== template) throw new TypeError(`mail template "${template.name}" is already registered`)
        byName.set(template.name, template)
      }
    },
    find: (name: string) => byName.get(name),
  })
}

/** What a caller queues: the template's data is typed by the template. */
export type MailMessage<S extends TSchema = TSchema> = {
  to: string
  subject: string
  data: Static<S>
  /** Where replies go (a form's notification replies to the visitor); one address, checked like `to`. */
  replyTo?: string
}

const MailPayload = Type.Object({
  to: Type.String({ format: 'email', maxLength: 254 }),
  subject: Type.String({ minLength: 1, maxLength: 250, pattern: '^[^\\r\\n]*$' }),
  reply_to: Type.Optional(Type.String({ format: 'email', maxLength: 254, pattern: '^[^\\r\\n,;<>"]*$' })),
  template: Type.String({ maxLength: 100 }),
  data: Type.Unknown(),
})

/**
 * Queues a mail. Pass the caller's transaction as `db`, so the mail goes out
 * only if the caller's writes commit. Throws a TypeError when the address,
 * subject or data are not valid (a bug in the caller, not bad luck at sending
 * time). The template must be registered in the app's `MailTemplates` for the
 * job to send it. Returns the job id.
 */
export function queueMail<S extends TSchema>(db: Db, template: MailTemplate<S>, message: MailMessage<S>): Promise<number> {
  return enqueueJob(db, { name: MAIL_SEND_JOB, payload: mailPayload(template, message) })
}

/**
 * The payload of a `mail.send` job for `message`, checked as queueMail checks it (a TypeError when it is
 * not valid): for a caller that queues its mails as part of a statement of its own (jobsFrom).
 */
export function mailPayload<S extends TSchema>(template: MailTemplate<S>, message: MailMessage<S>) {
  const payload = {
    to: message.to,
    subject: message.subject,
    template: template.name,
    data: message.data,
    ...(message.replyTo !== undefined ? { reply_to: message.replyTo } : {}),
  }
  checkMail(payload, template, (problem) => new TypeError(`queueMail: ${problem}`))
  return payload
}

/**
 * Checks a stored message against the registry and renders its text and HTML
 * bodies. A message that can never be sent (bad shape, unknown template, bad
 * data) throws UnrecoverableJobError, so the job goes dead without retrying.
 */
function renderMail(message: unknown, templates: MailTemplates) {
  const fail = (problem: string) => new UnrecoverableJobError(problem)
  const template = typeboxValue().Check(MailPayload, message) ? templates.find(message.template) : undefined
  if (!template)
    throw fail(typeboxValue().Check(MailPayload, message) ? `unknown mail template "${message.template}"` : invalidMessage(message))
  checkMail(message, template, fail)
  return {
    template,
    message,
    mail: { to: message.to, subject: message.subject, ...template.render(message.data) },
    replyTo: message.reply_to,
  }
}

const invalidMessage = (message: unknown) => `invalid message: ${firstError(MailPayload, message)}`

/** The address and subject, then the data against the template's schema. */
function checkMail(
  message: unknown,
  template: MailTemplate,
  fail: (problem: string) => Error,
): asserts message is Static<typeof MailPayload> {
  if (!typeboxValue().Check(MailPayload, message)) throw fail(invalidMessage(message))
  if (!typeboxValue().Check(template.data, message.data)) {
    throw fail(`invalid data for mail template "${template.name}": ${firstError(template.data, message.data)}`)
  }
}

function firstError(schema: TSchema, value: unknown): string {
  const [error] = typeboxValue().Errors(schema, value)
  return error ? `${error.instancePath || '/'} ${error.message}` : 'does not match its schema'
}

export type MailOptions = {
  db: Db
  /** The app's templates (`Deps.mail`), which the features registered. */
  templates: MailTemplates
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
  const { db, from, smtpUrl, templates } = options
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
      const { template, message, mail, replyTo } = renderMail(payload, templates)
      const record = (status: 'sent' | 'kept' | 'failed', error: string | null = null) =>
        saveOutboxMessage(db, { jobId: ctx.id, ...mail, status, error })
      if (!smtpUrl) {
        await record('kept')
        ctx.log.info({ to: mail.to, subject: mail.subject }, 'mail kept in the outbox (no SMTP_URL configured)')
        return
      }
      try {
        await (await smtp()).sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          ...(replyTo ? { replyTo } : {}),
        })
      } catch (error) {
        await record('failed', error instanceof Error ? error.message : String(error))
        throw error
      }
      // If this write fails the job retries and the message may go out twice:
      // delivery is at least once, never silently lost. Once sent, its one-time
      // links are kept redacted, in the outbox row and in the job's payload.
      const redacted = redactMail(template, message.data, mail)
      await db.transaction().execute(async (trx) => {
        await saveOutboxMessage(trx, { jobId: ctx.id, ...redacted.mail, status: 'sent', error: null })
        if (redacted.data !== message.data) await replaceJobPayload(trx, ctx.id, { ...message, data: redacted.data })
      })
    },
  }
}
