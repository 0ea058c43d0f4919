import type { RawBuilder } from 'kysely'
import { type ChangeTag, changeRecordAfter } from '#core/changes/changes.ts'
import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import { jobsFrom } from '#core/jobs/queue.ts'
import { MAIL_SEND_JOB } from '#core/mail/mailer.ts'
import type { FormField, SubmissionStatus } from './forms.schemas.ts'

export type FormRow = {
  id: number
  slug: string
  name: string
  version: number
  fields: FormField[]
  success_message: string
  redirect_path: string | null
  notify_emails: string[]
  status: 'open' | 'closed'
  retention_days: number | null
  proof_of_work: boolean
  created_at: Date
  updated_at: Date
}

/** The columns a definition write sets (and a version keeps). */
export type FormDefinition = Omit<FormRow, 'id' | 'version' | 'created_at' | 'updated_at'>

const FORM_COLUMNS = sql`id, slug, name, version, fields, success_message, redirect_path, notify_emails, status, retention_days,
  proof_of_work, created_at, updated_at`
// jsonb goes as text and is cast on the server: postgres.js would JSON-encode a jsonb-typed parameter a second time.
const json = (value: unknown) => sql`${JSON.stringify(value)}::text::jsonb`

export const insertForm = (db: Db, form: FormDefinition, now: Date) =>
  sql<FormRow>`insert into forms (slug, name, fields, success_message, redirect_path, notify_emails, status, retention_days, proof_of_work,
      created_at, updated_at)
    values (${form.slug}, ${form.name}, ${json(form.fields)}, ${form.success_message}, ${form.redirect_path}, ${json(form.notify_emails)},
            ${form.status}, ${form.retention_days}, ${form.proof_of_work}, ${now}, ${now})
    returning ${FORM_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as FormRow)

/** Writes a new definition and counts up its version (the caller holds the row: findFormForUpdate). */
export const updateFormDefinition = (db: Db, id: number, form: FormDefinition, now: Date) =>
  sql<FormRow>`update forms set slug = ${form.slug}, name = ${form.name}, fields = ${json(form.fields)},
      success_message = ${form.success_message}, redirect_path = ${form.redirect_path}, notify_emails = ${json(form.notify_emails)},
      status = ${form.status}, retention_days = ${form.retention_days}, proof_of_work = ${form.proof_of_work}, version = version + 1,
      updated_at = ${now}
    where id = ${id} returning ${FORM_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as FormRow)

export const insertFormVersion = (db: Db, form: FormRow) =>
  sql`insert into form_versions (form_id, version, definition, created_at)
    values (${form.id}, ${form.version}, ${json({
      slug: form.slug,
      name: form.name,
      fields: form.fields,
      success_message: form.success_message,
      redirect_path: form.redirect_path,
      notify_emails: form.notify_emails,
      status: form.status,
      retention_days: form.retention_days,
      proof_of_work: form.proof_of_work,
    })}, ${form.updated_at})`.execute(db)

export const findForm = (db: Db, id: number) =>
  sql<FormRow>`select ${FORM_COLUMNS} from forms where id = ${id}`.execute(db).then((r) => r.rows[0])
export const findFormForUpdate = (db: Db, id: number) =>
  sql<FormRow>`select ${FORM_COLUMNS} from forms where id = ${id} for update`.execute(db).then((r) => r.rows[0])
/**
 * A form the public sees, with the site setting a submission needs (`anonymiseIpKey`: whether the IP is
 * kept shortened) read in the same statement, not in a round trip of its own.
 */
export type PublicFormRow = FormRow & { anonymise_ip: boolean }
export const findFormBySlug = (db: Db, slug: string, anonymiseIpKey: string) =>
  sql<PublicFormRow>`select ${FORM_COLUMNS},
      coalesce((select s.value = 'true'::jsonb from settings s where s.key = ${anonymiseIpKey}), false) as anonymise_ip
    from forms where slug = ${slug}`
    .execute(db)
    .then((r) => r.rows[0])
export const deleteFormRow = (db: Db, id: number) =>
  sql<{ id: number }>`delete from forms where id = ${id} returning id`.execute(db).then((r) => r.rows[0])

export const FORM_SORT: Sort = { name: 'forms', direction: 'desc', key: null }
/** A page of forms, each with the number of its submissions still new (one count per row on the partial index of migration 0051). */
export const listFormRows = (db: Db, options: { limit: number; after: Cursor | undefined }) => {
  const page = keyset(FORM_SORT, { id: sql`id` }, options.after)
  return sql<FormRow & { new_submissions: number; cursor_key: null }>`select ${FORM_COLUMNS},
      (select count(*)::int from form_submissions s where s.form_id = forms.id and s.status = 'new') as new_submissions,
      ${page.cursorKey}
    from forms where ${page.after}
    order by ${page.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

// --- submissions -----------------------------------------------------------

export type SubmissionRow = {
  id: number
  form_id: number
  form_version: number
  data: Record<string, unknown>
  status: SubmissionStatus
  spam_reason: string | null
  ip: string | null
  user_agent: string | null
  created_at: Date
  updated_at: Date
}
const SUBMISSION_COLUMNS = sql`id, form_id, form_version, data, status, spam_reason, ip, user_agent, created_at, updated_at`

export type FileRow = {
  id: number
  submission_id: number
  field: string
  original_name: string
  sha256: string
  extension: string
  mime_type: string
  size_bytes: number
}
const FILE_COLUMNS = sql`id, submission_id, field, original_name, sha256, extension, mime_type, size_bytes::int as size_bytes`

/** A submission to store, with what it sets off (storeSubmission). */
export type SubmissionToStore = Omit<SubmissionRow, 'id' | 'status' | 'spam_reason' | 'updated_at'> & {
  search_text: string
  /** Why it is spam, when the checks before storing found it is; else null. */
  spam: string | null
  /** The render token to mark used when `spam` is null: already used, the submission is spam ('replayed'). */
  token: { nonce: string; expiresAt: Date } | null
  files: readonly Omit<FileRow, 'id' | 'submission_id'>[]
  /** The in-flight notes of those files (insertPendingFiles), taken away with the stored rows. */
  pendingFileIds: readonly number[]
  /** `mail.send` payloads (mailPayload) for an accepted submission; the submission's id is appended to each one's data.url. */
  mails: readonly unknown[]
  /** More CTEs for an accepted submission (the webhook event), given the name of the CTE whose row it is. */
  alsoWhenAccepted: (accepted: RawBuilder<unknown>) => RawBuilder<unknown>
  changed: readonly ChangeTag[]
}

/**
 * Stores a submission and everything it sets off in one statement, so one round trip with no
 * transaction around it (issue 12's 2 ms): the render token marked used (a token already used makes it
 * spam: `replayed`), the submission, its file rows, its in-flight file notes deleted, and when it is not
 * spam its notification mails' jobs and `alsoWhenAccepted`, and its change record (decision 0011).
 * A statement is atomic: when any part fails (a form deleted meanwhile) nothing is written.
 */
export const storeSubmission = (db: Db, s: SubmissionToStore) =>
  sql<SubmissionRow>`with token_use as (
      insert into form_token_uses (nonce, expires_at) select ${s.token?.nonce ?? null}::text, ${s.token?.expiresAt ?? null}::timestamptz
       where ${s.token?.nonce ?? null}::text is not null
      on conflict (nonce) do nothing returning nonce),
    verdict as (
      select coalesce(${s.spam}::text, case when ${s.token?.nonce ?? null}::text is not null and not exists (select 1 from token_use)
                                            then 'replayed' end) as spam_reason),
    submission as (
      insert into form_submissions (form_id, form_version, data, status, spam_reason, ip, user_agent, search_text, created_at, updated_at)
      values (${s.form_id}, ${s.form_version}, ${json(s.data)},
              (select case when spam_reason is null then 'new' else 'spam' end from verdict), (select spam_reason from verdict),
              ${s.ip}, ${s.user_agent}, ${s.search_text}, ${s.created_at}, ${s.created_at})
      returning ${SUBMISSION_COLUMNS}),
    accepted as (select id from submission where status = 'new'),
    files as (
      insert into form_submission_files (submission_id, field, original_name, sha256, extension, mime_type, size_bytes)
      select submission.id, f.field, f.original_name, f.sha256, f.extension, f.mime_type, f.size_bytes
        from submission, jsonb_to_recordset(${json(s.files)})
          as f (field text, original_name text, sha256 text, extension text, mime_type text, size_bytes bigint)),
    pending_done as (delete from form_pending_files where id = any(${s.pendingFileIds}::bigint[])),
    mail_jobs as (${jobsFrom(
      sql`(select jsonb_set(m.payload, '{data,url}', to_jsonb((m.payload #>> '{data,url}') || accepted.id)) as payload, now() as run_at
             from accepted, jsonb_array_elements(${json(s.mails)}) as m (payload))`,
      { name: MAIL_SEND_JOB },
    )}),
    ${s.alsoWhenAccepted(sql`accepted`)},
    change as (${changeRecordAfter(sql`submission`, s.changed)})
    select ${SUBMISSION_COLUMNS} from submission`
    .execute(db)
    .then((r) => r.rows[0] as SubmissionRow)

export const listFilesOf = (db: Db, submissionIds: readonly number[]) =>
  sql<FileRow>`select ${FILE_COLUMNS} from form_submission_files where submission_id = any(${submissionIds}) order by id`
    .execute(db)
    .then((r) => r.rows)

/** A file of a submission of form `formId` (the owner chain is in the statement). */
export const findSubmissionFile = (db: Db, formId: number, submissionId: number, fileId: number) =>
  sql<FileRow>`select f.id, f.submission_id, f.field, f.original_name, f.sha256, f.extension, f.mime_type, f.size_bytes::int as size_bytes
    from form_submission_files f join form_submissions s on s.id = f.submission_id
    where f.id = ${fileId} and f.submission_id = ${submissionId} and s.form_id = ${formId}`
    .execute(db)
    .then((r) => r.rows[0])

/** The files of every submission of a form (a form's deletion removes their bytes after). */
export const listFilesOfForm = (db: Db, formId: number) =>
  sql<{ sha256: string; extension: string }>`select distinct f.sha256, f.extension
    from form_submission_files f join form_submissions s on s.id = f.submission_id where s.form_id = ${formId}`
    .execute(db)
    .then((r) => r.rows)

/**
 * Whether any submission still keeps the file with these bytes, or an upload of
 * them is in flight (files are content-addressed and may be shared).
 */
export const isFileKept = (db: Db, sha256: string) =>
  sql<{ kept: boolean }>`select exists (select 1 from form_submission_files where sha256 = ${sha256})
      or exists (select 1 from form_pending_files where sha256 = ${sha256}) as kept`
    .execute(db)
    .then((r) => r.rows[0]?.kept === true)

export type PendingFile = { sha256: string; extension: string }

/** Notes uploads whose bytes are about to be written, before the submission's transaction (migration 0046); returns their ids. */
export const insertPendingFiles = (db: Db, files: readonly PendingFile[], now: Date) =>
  sql<{ id: number }>`insert into form_pending_files (sha256, extension, created_at)
    select sha256, extension, ${now}::timestamptz
      from unnest(${files.map((file) => file.sha256)}::text[], ${files.map((file) => file.extension)}::text[]) as f (sha256, extension)
    returning id`
    .execute(db)
    .then((r) => r.rows.map((row) => Number(row.id)))

export const deletePendingFiles = (db: Db, ids: readonly number[]) =>
  sql`delete from form_pending_files where id = any(${ids}::bigint[])`.execute(db)

/** Deletes the in-flight notes older than `before` (their submission failed or its process died); returns their files. */
export const deleteStalePendingFiles = (db: Db, before: Date) =>
  sql<PendingFile>`delete from form_pending_files where created_at < ${before} returning sha256, extension`.execute(db).then((r) => r.rows)

export const SUBMISSION_SORT: Sort = { name: 'submissions', direction: 'desc', key: 'timestamptz' }

export type SubmissionFilter = { limit: number; after: Cursor | undefined; status: SubmissionStatus | undefined; q: string | undefined }

export const listSubmissionRows = (db: Db, formId: number, f: SubmissionFilter) => {
  const page = keyset(SUBMISSION_SORT, { key: sql`created_at`, id: sql`id` }, f.after)
  return sql<SubmissionRow & { cursor_key: string }>`select ${SUBMISSION_COLUMNS}, ${page.cursorKey} from form_submissions
    where form_id = ${formId} and (${f.status ?? null}::text is null or status = ${f.status ?? null})
      and (${f.q ?? null}::text is null or search @@ websearch_to_tsquery('simple', ${f.q ?? null}))
      and ${page.after}
    order by ${page.orderBy} limit ${f.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const findSubmission = (db: Db, formId: number, id: number) =>
  sql<SubmissionRow>`select ${SUBMISSION_COLUMNS} from form_submissions where form_id = ${formId} and id = ${id}`
    .execute(db)
    .then((r) => r.rows[0])

export const setSubmissionStatus = (db: Db, formId: number, ids: readonly number[], status: SubmissionStatus, now: Date) =>
  sql<{ id: number }>`update form_submissions set status = ${status}, updated_at = ${now}
    where form_id = ${formId} and id = any(${ids}) returning id`
    .execute(db)
    .then((r) => r.rows.map((row) => Number(row.id)))

/** Deletes submissions of a form; returns the files they had (to remove their bytes once no row keeps them). */
export const deleteSubmissionRows = (db: Db, formId: number, ids: readonly number[]) =>
  sql<{ sha256: string; extension: string }>`with gone as (
      delete from form_submissions where form_id = ${formId} and id = any(${ids}) returning id)
    select f.sha256, f.extension from form_submission_files f where f.submission_id in (select id from gone)`
    .execute(db)
    .then((r) => r.rows)

/** The rows of the CSV export, `batch` at a time after `afterId`, oldest first (a keyset by id; no cursor held open). */
export const readSubmissionBatch = (db: Db, formId: number, afterId: number, batch: number, status: SubmissionStatus | undefined) =>
  sql<{ id: number; form_version: number; data: Record<string, unknown>; status: string; ip: string | null; created_at: string }>`
    select id, form_version, data, status, ip,
           to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
      from form_submissions
     where form_id = ${formId} and id > ${afterId} and (${status ?? null}::text is null or status = ${status ?? null})
     order by id limit ${batch}`
    .execute(db)
    .then((r) => r.rows)

/**
 * Deletes up to `batch` submissions older than their form's retention at `now`;
 * returns the files they had. The job calls it until it deletes nothing.
 */
export const deleteExpiredSubmissions = (db: Db, now: Date, batch: number) =>
  sql<{ sha256: string; extension: string; submissions: number }>`with gone as (
      delete from form_submissions where id in (
        select s.id from form_submissions s join forms f on f.id = s.form_id
         where f.retention_days is not null and s.created_at < ${now}::timestamptz - make_interval(days => f.retention_days)
         limit ${batch})
      returning id),
    files as (select f.sha256, f.extension from form_submission_files f where f.submission_id in (select id from gone))
    select sha256, extension, (select count(*)::int from gone) as submissions from files
    union all select null, null, (select count(*)::int from gone) where not exists (select 1 from files)`
    .execute(db)
    .then((r) => r.rows)

export const deleteUsedTokensBefore = (db: Db, now: Date) =>
  sql`delete from form_token_uses where expires_at < ${now}`.execute(db).then((r) => Number(r.numAffectedRows ?? 0n))

/** Whether a job of this name waits or runs (the retention job keeps one of itself in the queue). */
export const hasPendingJob = (db: Db, name: string) =>
  sql<{
    pending: boolean
  }>`select exists (select 1 from jobs where name = ${name} and status in ('queued', 'running', 'failed')) as pending`
    .execute(db)
    .then((r) => r.rows[0]?.pending === true)
