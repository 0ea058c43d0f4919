import type { Challenge } from 'altcha-lib'
import { type Static, type TLiteral, type TUnion, Type } from 'typebox'
import { Id, PageQuery, QueryString } from '#core/http/schemas.ts'

/** The field types a form may have (issue 12, item 1). Defined here only. */
export const FIELD_TYPES = [
  'text',
  'email',
  'tel',
  'url',
  'number',
  'textarea',
  'select',
  'radio',
  'checkbox',
  'checkboxes',
  'date',
  'file',
  'consent',
] as const
export type FieldType = (typeof FIELD_TYPES)[number]

/** The file types a file field may accept: those `file-type` recognises from the bytes that a form is likely to want. */
export const ACCEPTABLE_TYPES = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'application/zip',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.text',
] as const

/** The largest file a field may accept (the body limit of a form post is this plus the text fields). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024

export const FORM_STATUSES = ['open', 'closed'] as const
export const SUBMISSION_STATUSES = ['new', 'read', 'spam', 'archived'] as const
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number]

const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((value) => Type.Literal(value))) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>

/** A field's name: a JSON key and an HTML name; `_` first is ours (the honeypot and the token). */
const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })

export const FormField = Type.Object(
  {
    name: FieldName,
    label: Type.String({ minLength: 1, maxLength: 200 }),
    help: Type.Optional(Type.String({ maxLength: 500 })),
    type: literals(FIELD_TYPES),
    required: Type.Optional(Type.Boolean()),
    /** number: the smallest and largest value. */
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    /** text-like fields: the length in characters (default at most 1,000; textarea 10,000). */
    min_length: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** text, tel, url, email, textarea: an RE2 regular expression the whole value must match (linear time; decision 0021). */
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /** select, radio, checkboxes: the choices (value shown as its label). */
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 })),
    /** file: the MIME types accepted, checked against the bytes. */
    accept: Type.Optional(Type.Array(literals(ACCEPTABLE_TYPES), { minItems: 1, maxItems: ACCEPTABLE_TYPES.length, uniqueItems: true })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FILE_BYTES })),
  },
  { additionalProperties: false },
)
export type FormField = Static<typeof FormField>

const SLUG_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$'
const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: SLUG_PATTERN })
/** A path on this site: one leading slash, no scheme or host (`//evil.example` is refused). */
const RedirectPath = Type.String({ maxLength: 500, pattern: '^/(?![/\\\\])[^\\s]*$' })

const formFields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  slug: Slug,
  fields: Type.Array(FormField, { minItems: 1, maxItems: 50 }),
  success_message: Type.String({ maxLength: 2000 }),
  redirect_path: Type.Union([RedirectPath, Type.Null()]),
  notify_emails: Type.Array(Type.String({ format: 'email', maxLength: 254 }), { maxItems: 10, uniqueItems: true }),
  status: literals(FORM_STATUSES),
  retention_days: Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()]),
  proof_of_work: Type.Boolean({
    description: 'ask the browser to solve an ALTCHA proof-of-work challenge; a submission without a valid solution is stored as spam',
  }),
}
const optional = <T extends Record<string, Parameters<typeof Type.Optional>[0]>>(properties: T) =>
  Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, Type.Optional(schema)])) as {
    [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>>
  }

const { name, slug, fields, ...settings } = formFields
export const CreateFormBody = Type.Object({ name, slug, fields, ...optional(settings) }, { additionalProperties: false })
export type CreateFormBody = Static<typeof CreateFormBody>
export const UpdateFormBody = Type.Object(optional(formFields), { additionalProperties: false, minProperties: 1 })
export type UpdateFormBody = Static<typeof UpdateFormBody>

export const Form = Type.Object({
  id: Type.Integer(),
  ...formFields,
  version: Type.Integer({ description: 'the definition version; each change adds one' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
export type Form = Static<typeof Form>

/** A form in the list: the form and how many of its submissions are still new (unread). */
export const FormListItem = Type.Object({
  ...Form.properties,
  new_submissions: Type.Integer({ minimum: 0, description: 'submissions with status `new` (not yet read, marked or archived)' }),
})

/** An ALTCHA (v2) challenge, signed by the server and bound to the render token it came with. */
export const AltchaChallenge = Type.Unsafe<Challenge>(
  Type.Object({
    parameters: Type.Object({}, { additionalProperties: true, description: 'algorithm, nonce, salt, cost, keyLength, keyPrefix, data…' }),
    signature: Type.String(),
  }),
)

/** What a headless front end needs to show a form: its fields and a fresh render token (`_token`). */
export const PublicForm = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  fields: Type.Array(FormField),
  token: Type.String({ description: 'send it back as `_token`: it proves the form was shown before it was filled in' }),
  honeypot: Type.String({ description: 'the name of the field that must stay empty' }),
  altcha: Type.Union([AltchaChallenge, Type.Null()], {
    description:
      'when the form asks for a proof of work: the ALTCHA challenge (solve it with the altcha widget or altcha-lib, send the base64 payload as `_altcha`); null otherwise',
  }),
})

export const FormListQuery = QueryString({ ...PageQuery })
export const SlugParams = Type.Object({ slug: Slug })
/**
 * POST /api/v1/forms/{id}/submissions: a public front end knows the form's slug, and sends it in
 * the segment where the editors' routes on the same path (GET, PATCH) take the form's id (one
 * path in the OpenAPI document: two that differ only by a parameter's name are ambiguous).
 */
export const SubmitParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, pattern: SLUG_PATTERN, description: 'The form’s slug.' }),
})
export const FileParams = Type.Object({ id: Id, fileId: Id })

export const SubmissionFile = Type.Object({
  id: Type.Integer(),
  field: Type.String(),
  original_name: Type.String(),
  mime_type: Type.String(),
  size_bytes: Type.Integer(),
})

export const Submission = Type.Object({
  id: Type.Integer(),
  form_id: Type.Integer(),
  form_version: Type.Integer(),
  data: Type.Record(Type.String(), Type.Unknown()),
  status: literals(SUBMISSION_STATUSES),
  spam_reason: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  files: Type.Array(SubmissionFile),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})

export const SubmissionListQuery = QueryString({
  ...PageQuery,
  status: Type.Optional(literals(SUBMISSION_STATUSES)),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
})
export const SubmissionParams = Type.Object({ id: Id, submissionId: Id })
export const StatusBody = Type.Object({ status: literals(SUBMISSION_STATUSES) }, { additionalProperties: false })
export const BulkStatusBody = Type.Object(
  { ids: Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true }), status: literals(SUBMISSION_STATUSES) },
  { additionalProperties: false },
)
export const CsvQuery = QueryString({
  bom: Type.Boolean({ default: false, description: 'start with a UTF-8 byte order mark (for spreadsheet programs)' }),
  status: Type.Optional(literals(SUBMISSION_STATUSES)),
})

/** The answer of an accepted JSON submission (spam gets the same answer: a bot learns nothing). */
export const SubmissionReceipt = Type.Object({ message: Type.String() })
