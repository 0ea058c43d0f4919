import { Type } from 'typebox'
import { named, PageQuery, QueryString } from '#core/http/schemas.ts'

const Time = Type.String({ format: 'date-time' })
const NullableTime = Type.Union([Time, Type.Null()])

const outboxStatus = (options: { description?: string } = {}) =>
  Type.Union([Type.Literal('sent'), Type.Literal('kept'), Type.Literal('failed')], options)

export const MailMessage = named(
  'MailMessage',
  Type.Object(
    {
      id: Type.Integer(),
      job_id: Type.Integer({ description: 'the mail.send job that rendered it (GET /api/v1/jobs)' }),
      to: Type.String(),
      subject: Type.String(),
      status: outboxStatus({
        description: 'sent over SMTP; kept: no SMTP_URL is configured, so it was not sent; failed: its last attempt failed',
      }),
      error: Type.Union([Type.String(), Type.Null()]),
      created_at: Time,
      sent_at: NullableTime,
    },
    { additionalProperties: false },
  ),
)

export const MailMessageDetail = named(
  'MailMessageDetail',
  Type.Object(
    {
      ...MailMessage.properties,
      text: Type.String({ description: 'the plain-text body; a sent message keeps its one-time links redacted' }),
    },
    { additionalProperties: false },
  ),
)

export const MailListQuery = QueryString({ ...PageQuery, status: Type.Optional(outboxStatus()) })

const jobStatus = (options: { description?: string } = {}) =>
  Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('dead')], options)

export const Job = named(
  'Job',
  Type.Object(
    {
      id: Type.Integer(),
      queue: Type.String(),
      name: Type.String(),
      status: jobStatus({
        description: 'failed: will be retried at run_at; dead: failed max_attempts times (or cannot run), kept and never retried by itself',
      }),
      attempts: Type.Integer(),
      max_attempts: Type.Integer(),
      run_at: Time,
      locked_at: NullableTime,
      last_error: Type.Union([Type.String(), Type.Null()]),
      created_at: Time,
      updated_at: Time,
      finished_at: NullableTime,
    },
    { additionalProperties: false },
  ),
)

export const JobListQuery = QueryString({ ...PageQuery, status: Type.Optional(jobStatus()) })
