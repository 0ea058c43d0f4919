import { createHash } from 'node:crypto'
import { isIPv4, isIPv6 } from 'node:net'
import { Type } from 'typebox'
import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflictOnUnique, type FieldError, HttpError, invalid, notFound, tooManyRequests } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import { mailPayload } from '#core/mail/mailer.ts'
import { type LimitRule, takeLimits } from '#core/security/limiter.ts'
import { typeboxValue } from '#core/typebox-value.ts'
import type { Deps } from '../../deps.ts'
import type { MediaStore } from '../media/media.store.ts'
import { ANONYMISE_IP_SETTING } from '../settings/settings.service.ts'
import { formSubmittedEvent } from '../webhooks/webhooks.events.ts'
import { checkDefinition, type RawValue, validateValues } from './forms.fields.ts'
import { scheduleRetention } from './forms.jobs.ts'
import { subjectFor, submissionMail } from './forms.mail.ts'
import type { ProofOfWork } from './forms.pow.ts'
import {
  deleteFormRow,
  deletePendingFiles,
  deleteSubmissionRows,
  type FileRow,
  type FormDefinition,
  type FormRow,
  findForm,
  findFormBySlug,
  findFormForUpdate,
  findSubmission,
  findSubmissionFile,
  insertForm,
  insertFormVersion,
  insertPendingFiles,
  isFileKept,
  listFilesOf,
  listFilesOfForm,
  listFormRows,
  listSubmissionRows,
  type PublicFormRow,
  type SubmissionFilter,
  type SubmissionRow,
  setSubmissionStatus,
  storeSubmission,
  updateFormDefinition,
} from './forms.queries.ts'
import type { CreateFormBody, FormField, SubmissionStatus, UpdateFormBody } from './forms.schemas.ts'
import type { RenderTokens, SpamReason } from './forms.spam.ts'

// --- definitions (issue 12, item 1) ------------------------------------------

function checkedDefinition(form: FormDefinition): FormDefinition {
  const errors = checkDefinition(form.fields)
  if (errors.length > 0) throw invalid(errors, 'The form definition has problems.')
  // Each field as sent, without properties left undefined (what is stored is what is shown).
  return { ...form, fields: form.fields.map((field) => JSON.parse(JSON.stringify(field)) as FormField) }
}

const slugTaken = (work: () => Promise<FormRow>) => conflictOnUnique('slug', 'Another form has this slug.', work)

/** Creates a form (version 1) and keeps its first version. */
export async function createForm(db: Db, body: CreateFormBody, now: Date): Promise<FormRow> {
  const definition = checkedDefinition({
    name: body.name,
    slug: body.slug,
    fields: body.fields,
    success_message: body.success_message ?? '',
    redirect_path: body.redirect_path ?? null,
    notify_emails: body.notify_emails ?? [],
    status: body.status ?? 'open',
    retention_days: body.retention_days ?? null,
    proof_of_work: body.proof_of_work ?? false,
  })
  return db.transaction().execute(async (trx) => {
    const form = await slugTaken(() => insertForm(trx, definition, now))
    await insertFormVersion(trx, form)
    await scheduleRetention(trx, now)
    await recordChanges(trx, [tags.form(form.id), tags.list('forms')])
    return form
  })
}

/** Changes a form: the whole new definition becomes the next version (submissions keep the version they were made against). */
export async function updateForm(db: Db, id: number, patch: UpdateFormBody, now: Date): Promise<FormRow> {
  return db.transaction().execute(async (trx) => {
    const before = await findFormForUpdate(trx, id)
    if (!before) throw notFound('form', id)
    const definition = checkedDefinition({
      name: patch.name ?? before.name,
      slug: patch.slug ?? before.slug,
      fields: patch.fields ?? before.fields,
      success_message: patch.success_message ?? before.success_message,
      redirect_path: patch.redirect_path !== undefined ? patch.redirect_path : before.redirect_path,
      notify_emails: patch.notify_emails ?? before.notify_emails,
      status: patch.status ?? before.status,
      retention_days: patch.retention_days !== undefined ? patch.retention_days : before.retention_days,
      proof_of_work: patch.proof_of_work ?? before.proof_of_work,
    })
    const form = await slugTaken(() => updateFormDefinition(trx, id, definition, now))
    await insertFormVersion(trx, form)
    await scheduleRetention(trx, now)
    await recordChanges(trx, [tags.form(form.id), tags.list('forms')])
    return form
  })
}

/** Deletes a form with its versions and submissions, then the files no submission keeps any more. */
export async function deleteForm(db: Db, store: MediaStore, id: number): Promise<void> {
  const files = await db.transaction().execute(async (trx) => {
    const form = await findFormForUpdate(trx, id)
    if (!form) throw notFound('form', id)
    const files = await listFilesOfForm(trx, id)
    await deleteFormRow(trx, id)
    await recordChanges(trx, [tags.form(id), tags.list('forms')])
    return files
  })
  await removeUnkeptFiles(db, store, files)
}

export async function getForm(db: Db, id: number): Promise<FormRow> {
  const form = await findForm(db, id)
  if (!form) throw notFound('form', id)
  return form
}

export const listForms = (db: Db, options: { limit: number; after: Cursor | undefined }) => listFormRows(db, options)

/** A form by its slug, as the public sees it (undefined when there is none). */
export const getFormBySlug = (db: Db, slug: string) => findFormBySlug(db, slug, ANONYMISE_IP_SETTING)

/** A form for the public: 404 when there is none, 410 `form_closed` when it takes no more submissions. */
export async function getOpenForm(db: Db, slug: string): Promise<PublicFormRow> {
  const form = await getFormBySlug(db, slug)
  if (!form) throw notFound('form', slug)
  if (form.status === 'closed') throw new HttpError(410, 'form_closed', 'This form is closed and takes no more submissions.')
  return form
}

// --- submissions (issue 12, items 2-5) ---------------------------------------

/**
 * Per address and form, and per form from everyone: a flood answers 429 before any work (issue 12, item 3).
 * The counts are the defaults of FORM_LIMIT_PER_ADDRESS and FORM_LIMIT_PER_FORM (SubmitDeps.limits; 0 = off).
 */
export const SUBMISSION_LIMITS = {
  perAddress: { limit: 10, windowMs: 10 * 60 * 1000, lockMs: 10 * 60 * 1000 },
  perForm: { limit: 600, windowMs: 60 * 60 * 1000, lockMs: 5 * 60 * 1000 },
} as const satisfies Record<string, LimitRule>

export type UploadedFile = { field: string; bytes: Buffer; filename: string }

export type SubmissionInput = {
  values: Record<string, RawValue>
  files: UploadedFile[]
  token: unknown
  honeypot: unknown
  /** The ALTCHA payload, checked when the form asks for a proof of work. */
  altcha: unknown
  ip: string
  userAgent: string | undefined
}

export type SubmissionOutcome = { submission: SubmissionRow; spam: SpamReason | null }

/** What submitting needs: the database, the clock, the private file store, the token signer and the site's URL. */
export type SubmitDeps = Pick<Deps, 'db' | 'clock'> & {
  privateStore: MediaStore
  tokens: RenderTokens
  pow: ProofOfWork
  publicUrl: string
  /** The counts of SUBMISSION_LIMITS from the configuration (0 = that limit off); the defaults when absent. */
  limits?: { perAddress: number; perForm: number }
}

/** A 422 naming each bad field (the form page shows them beside the fields). */
const submissionInvalid = (errors: FieldError[]) =>
  new HttpError(422, 'submission_invalid', 'Some fields need attention.', { fields: errors })

const loadFileType = async () => (await import('file-type')).fileTypeFromBuffer

/**
 * Takes a visitor's submission of `form` (the one place a submission is
 * stored): rate limits (429), the spam traps, validation against the form's
 * own definition (422 naming each bad field; unknown fields dropped), file
 * types from the bytes, then one statement (storeSubmission, its own
 * transaction) that marks the render token used, stores the submission with
 * its files, queues the notification mails and the `form.submitted` webhook
 * event (not for spam) and records the change `form:<id>`. Three round trips
 * in all with the form's lookup (decision 0021).
 *
 * Spam (the honeypot filled, a token missing, forged, too fast, too old or
 * replayed, a proof of work the form asks for missing or wrong) is stored with status `spam` and its reason, without mail; the
 * caller answers it exactly as an accepted submission.
 */
export async function submitForm(deps: SubmitDeps, form: PublicFormRow, input: SubmissionInput): Promise<SubmissionOutcome> {
  const { db } = deps
  const now = deps.clock()
  const limits = deps.limits ?? { perAddress: SUBMISSION_LIMITS.perAddress.limit, perForm: SUBMISSION_LIMITS.perForm.limit }
  // One statement; the per-form key is not counted when the address is refused (one address could use up the form's budget).
  const refused = await takeLimits(
    db,
    [
      { key: `form-address:${form.id}:${input.ip}`, ...SUBMISSION_LIMITS.perAddress, limit: limits.perAddress },
      { key: `form:${form.id}`, ...SUBMISSION_LIMITS.perForm, limit: limits.perForm },
    ].filter((hit) => hit.limit > 0),
    now,
  )
  if (refused) throw tooManyRequests(refused.lockedSeconds)

  const honeypotFilled =
    typeof input.honeypot === 'string' ? input.honeypot !== '' : input.honeypot !== undefined && input.honeypot !== null
  const token = deps.tokens.check(input.token, form.id, now)
  let spam: SpamReason | null = honeypotFilled ? 'honeypot' : 'spam' in token ? token.spam : null
  if (spam === null && form.proof_of_work) spam = await deps.pow.check(input.altcha, 'spam' in token ? undefined : token.nonce)

  const present = new Set(input.files.map((file) => file.field))
  const { values, errors } = validateValues(form.fields, input.values, present)
  const files = await checkFiles(form.fields, input.files, errors)
  // A bot's submission is stored as spam whatever it holds (its valid values only); a person gets the errors.
  if (errors.length > 0 && spam === null) throw submissionInvalid(errors)

  // The bytes go to the store before the submission's statement, noted as in flight first (migration 0046): when the
  // statement fails they are removed here, and when the process dies in between, by the retention job.
  const pending = files.length > 0 ? await insertPendingFiles(db, files, now) : []
  const data = { ...values, ...Object.fromEntries(files.map((file) => [file.field, file.original_name])) }
  try {
    for (const file of files) await deps.privateStore.put({ sha256: file.sha256, extension: file.extension }, file.bytes)
    const submission = await storeSubmission(db, {
      form_id: form.id,
      form_version: form.version,
      data,
      ip: form.anonymise_ip ? anonymiseIp(input.ip) : input.ip,
      user_agent: input.userAgent?.slice(0, 500) ?? null,
      search_text: searchTextOf(values),
      created_at: now,
      spam,
      token: spam === null && !('spam' in token) ? token : null,
      files: files.map(({ bytes: _bytes, ...stored }) => stored),
      pendingFileIds: pending,
      mails: spam === null ? notificationMails(deps.publicUrl, form, values) : [],
      // The form.submitted webhook event, in the same statement (issue 12, item 6; decision 0022).
      alsoWhenAccepted: (accepted) => formSubmittedEvent(form, { form_version: form.version, data, created_at: now }, accepted),
      changed: [tags.form(form.id)],
    })
    return { submission, spam: submission.spam_reason as SpamReason | null }
  } catch (error) {
    if (pending.length > 0) {
      await deletePendingFiles(db, pending)
      await removeUnkeptFiles(db, deps.privateStore, files)
    }
    throw error
  }
}

type CheckedFile = Omit<FileRow, 'id' | 'submission_id'> & { bytes: Buffer }

/** Each uploaded file of a file field (others are dropped): its size and its type, read from the bytes, against the field. */
async function checkFiles(fields: readonly FormField[], uploads: readonly UploadedFile[], errors: FieldError[]): Promise<CheckedFile[]> {
  const checked: CheckedFile[] = []
  const fileTypeFromBuffer = uploads.length > 0 ? await loadFileType() : undefined
  for (const upload of uploads) {
    const field = fields.find((candidate) => candidate.name === upload.field && candidate.type === 'file')
    if (!field || !fileTypeFromBuffer) continue
    if (checked.some((file) => file.field === field.name)) {
      errors.push({ field: field.name, in: 'body', message: 'takes one file' })
      continue
    }
    const maxBytes = field.max_bytes ?? 5 * 1024 * 1024
    if (upload.bytes.length > maxBytes) {
      errors.push({ field: field.name, in: 'body', message: `is larger than ${Math.floor(maxBytes / 1024)} KiB` })
      continue
    }
    // The type comes from the bytes, never from the name or the Content-Type the browser sent.
    const detected = await fileTypeFromBuffer(upload.bytes)
    const accept: readonly string[] = field.accept ?? []
    if (!detected || !accept.includes(detected.mime)) {
      errors.push({ field: field.name, in: 'body', message: `is not an accepted type (${accept.join(', ')})` })
      continue
    }
    checked.push({
      field: field.name,
      original_name: upload.filename,
      sha256: createHash('sha256').update(upload.bytes).digest('hex'),
      extension: detected.ext,
      mime_type: detected.mime,
      size_bytes: upload.bytes.length,
      bytes: upload.bytes,
    })
  }
  return checked
}

const EmailAddress = Type.String({ format: 'email', maxLength: 254 })

/**
 * The payloads of one mail per address in `notify_emails`, replying to the visitor's address when the form
 * asks for one. Each one's url ends where the submission's id goes (storeSubmission appends it).
 */
function notificationMails(publicUrl: string, form: FormRow, values: Record<string, unknown>) {
  const emailField = form.fields.find((field) => field.type === 'email' && typeof values[field.name] === 'string')
  const visitor = emailField ? (values[emailField.name] as string) : undefined
  const replyTo = visitor !== undefined && typeboxValue().Check(EmailAddress, visitor) ? visitor : undefined
  const lines = form.fields
    .filter((field) => values[field.name] !== undefined)
    .map((field) => ({ label: field.label, value: displayValue(values[field.name]).slice(0, 20_000) }))
  return form.notify_emails.map((to) =>
    mailPayload(submissionMail, {
      to,
      subject: subjectFor(form.name),
      ...(replyTo ? { replyTo } : {}),
      data: { form_name: form.name, values: lines, url: `${publicUrl}/api/v1/forms/${form.id}/submissions/` },
    }),
  )
}

export const displayValue = (value: unknown): string =>
  Array.isArray(value)
    ? value.join('; ')
    : typeof value === 'boolean'
      ? value
        ? 'yes'
        : 'no'
      : value === undefined || value === null
        ? ''
        : String(value)

const searchTextOf = (values: Record<string, unknown>) =>
  Object.values(values)
    .filter((value) => typeof value === 'string' || Array.isArray(value))
    .map(displayValue)
    .join(' ')
    .slice(0, 100_000)

/** IPv4 to its /24, IPv6 to its /48 (the setting `anonymise_ip`). */
export function anonymiseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1]
  const v4 = mapped ?? ip
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0`
  if (!isIPv6(ip)) return ''
  const [head = '', tail = ''] = ip.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === '' ? [] : tail.split(':')
  const groups = ip.includes('::')
    ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups
  return `${groups.slice(0, 3).join(':')}::`
}

// --- the admin's side (issue 12, item 4) --------------------------------------

export type SubmissionWithFiles = { row: SubmissionRow; files: FileRow[] }

export async function listSubmissions(db: Db, formId: number, filter: SubmissionFilter) {
  await getForm(db, formId)
  const rows = await listSubmissionRows(db, formId, filter)
  const files =
    rows.length > 0
      ? await listFilesOf(
          db,
          rows.slice(0, filter.limit).map((row) => Number(row.id)),
        )
      : []
  return rows.map((row) => ({ ...row, files: files.filter((file) => Number(file.submission_id) === Number(row.id)) }))
}

export async function getSubmission(db: Db, formId: number, id: number): Promise<SubmissionWithFiles> {
  const row = await findSubmission(db, formId, id)
  if (!row) throw notFound('submission', id)
  return { row, files: await listFilesOf(db, [id]) }
}

/** Sets the status of submissions of one form; 404 when any of them is not the form's (nothing changed then). */
export async function changeSubmissionStatus(db: Db, formId: number, ids: readonly number[], status: SubmissionStatus, now: Date) {
  await db.transaction().execute(async (trx) => {
    const changed = await setSubmissionStatus(trx, formId, ids, status, now)
    const missing = ids.find((id) => !changed.includes(id))
    if (missing !== undefined) throw notFound('submission', missing)
    await recordChanges(trx, [tags.form(formId)])
  })
}

export async function deleteSubmission(db: Db, store: MediaStore, formId: number, id: number) {
  const files = await db.transaction().execute(async (trx) => {
    const files = await findSubmission(trx, formId, id).then(async (row) => {
      if (!row) throw notFound('submission', id)
      return deleteSubmissionRows(trx, formId, [id])
    })
    await recordChanges(trx, [tags.form(formId)])
    return files
  })
  await removeUnkeptFiles(db, store, files)
}

/** A submission's file for an editor: its row and a stream of its bytes from the private store. */
export async function openSubmissionFile(db: Db, store: MediaStore, formId: number, submissionId: number, fileId: number) {
  const file = await findSubmissionFile(db, formId, submissionId, fileId)
  const opened = file ? await store.open({ sha256: file.sha256, extension: file.extension }) : undefined
  if (!file || !opened) throw notFound('file', fileId)
  return { file, ...opened }
}

/** Removes the bytes of files that no submission keeps any more (content-addressed: two submissions may share a file). */
export async function removeUnkeptFiles(db: Db, store: MediaStore, files: readonly { sha256: string | null; extension: string | null }[]) {
  const seen = new Set<string>()
  for (const { sha256, extension } of files) {
    if (sha256 === null || extension === null || seen.has(sha256)) continue
    seen.add(sha256)
    if (!(await isFileKept(db, sha256))) await store.remove({ sha256, extension })
  }
}
