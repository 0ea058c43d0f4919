import type { FileRow, FormRow, SubmissionRow } from './forms.queries.ts'

/** A form row as the API shows it (the one place a row becomes output, STYLE §8). */
export const presentForm = (row: FormRow) => ({
  id: Number(row.id),
  name: row.name,
  slug: row.slug,
  version: row.version,
  fields: row.fields,
  success_message: row.success_message,
  redirect_path: row.redirect_path,
  notify_emails: row.notify_emails,
  status: row.status,
  retention_days: row.retention_days,
  proof_of_work: row.proof_of_work,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})

/** A form in the list, with its count of new submissions. */
export const presentFormListItem = (row: FormRow & { new_submissions: number }) => ({
  ...presentForm(row),
  new_submissions: Number(row.new_submissions),
})

export const presentFile = (file: FileRow) => ({
  id: Number(file.id),
  field: file.field,
  original_name: file.original_name,
  mime_type: file.mime_type,
  size_bytes: Number(file.size_bytes),
})

export const presentSubmission = (row: SubmissionRow, files: readonly FileRow[]) => ({
  id: Number(row.id),
  form_id: Number(row.form_id),
  form_version: row.form_version,
  data: row.data,
  status: row.status,
  spam_reason: row.spam_reason,
  ip: row.ip,
  user_agent: row.user_agent,
  files: files.map(presentFile),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})
