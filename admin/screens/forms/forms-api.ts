// The forms screens' types and calls (/api/v1/forms, editors and admins): a form's
// definition, its fields, its submissions. The types come from the typed client's
// operations (the forms schemas are not named components).

import type { operations } from '../../../clients/typescript/index.ts'
import { api, load } from '../../api.ts'

export type Form = operations['getForm']['responses'][200]['content']['application/json']
/** A form in the list, with its count of new (unread) submissions. */
export type FormListItem = operations['listForms']['responses'][200]['content']['application/json']['data'][number]
export type FormBody = operations['createForm']['requestBody']['content']['application/json']
export type FormField = Form['fields'][number]
export type FieldType = FormField['type']
export type Submission = operations['getFormSubmission']['responses'][200]['content']['application/json']
export type SubmissionStatus = Submission['status']
export type AcceptType = NonNullable<FormField['accept']>[number]

/** Every field type the API accepts, with what the type picker says. */
export const FIELD_TYPES: Record<FieldType, string> = {
  text: 'Text (one line)',
  textarea: 'Text (several lines)',
  email: 'Email address',
  tel: 'Phone number',
  url: 'Web address',
  number: 'Number',
  date: 'Date',
  select: 'Drop-down list',
  radio: 'One choice (radio buttons)',
  checkboxes: 'Several choices (checkboxes)',
  checkbox: 'Yes / no (one checkbox)',
  consent: 'Consent (must be ticked to send)',
  file: 'File upload',
}
export const TEXT_TYPES: readonly FieldType[] = ['text', 'email', 'tel', 'url', 'textarea']
export const CHOICE_TYPES: readonly FieldType[] = ['select', 'radio', 'checkboxes']

/** The file types a file field may accept (the API's list), with a readable name. */
export const ACCEPT_TYPES: Record<AcceptType, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG image',
  'image/png': 'PNG image',
  'image/webp': 'WebP image',
  'image/gif': 'GIF image',
  'image/avif': 'AVIF image',
  'application/zip': 'ZIP archive',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document (.docx)',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel workbook (.xlsx)',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text (.odt)',
}

export const SUBMISSION_STATUS_LABELS: Record<SubmissionStatus, string> = { new: 'New', read: 'Read', spam: 'Spam', archived: 'Archived' }

export const getForm = (id: number) => load(api.GET('/api/v1/forms/{id}', { params: { path: { id } } }))
export const listForms = (cursor: string | undefined) => load(api.GET('/api/v1/forms', { params: { query: { limit: 20, cursor } } }))

/**
 * The CSV export's address (a GET with the session cookie: a plain link downloads it). `bom`: the file
 * starts with a UTF-8 byte order mark, without which Excel reads it in the computer's legacy code page.
 */
export function csvHref(formId: number, options: { status: SubmissionStatus | undefined; bom: boolean }) {
  const query = new URLSearchParams()
  if (options.status) query.set('status', options.status)
  if (options.bom) query.set('bom', 'true')
  const search = query.toString()
  return `/api/v1/forms/${formId}/submissions.csv${search ? `?${search}` : ''}`
}

/** Whether the CSV export is for Excel (with the byte order mark): a choice this browser remembers. */
const CSV_BOM_KEY = 'plinth.admin.csv-bom'
export const csvBomChosen = () => localStorage.getItem(CSV_BOM_KEY) === 'true'
export const chooseCsvBom = (bom: boolean) => localStorage.setItem(CSV_BOM_KEY, String(bom))

/** A submitted file's download address (editors only; always an attachment). */
export const fileHref = (formId: number, submissionId: number, fileId: number) =>
  `/api/v1/forms/${formId}/submissions/${submissionId}/files/${fileId}`

/** When something happened, in the reader's own words for dates. */
export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A submitted value as text: choices joined, booleans as Yes/No, nothing as a dash. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—'
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.join(', ')
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  return String(value)
}
