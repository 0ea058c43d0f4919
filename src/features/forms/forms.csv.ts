import { Readable } from 'node:stream'
import type { Db } from '#core/db/database.ts'
import { type FormRow, readSubmissionBatch } from './forms.queries.ts'
import type { SubmissionStatus } from './forms.schemas.ts'
import { displayValue } from './forms.service.ts'

/** Rows read per statement: enough to keep the database busy, few enough to keep memory flat. */
export const CSV_BATCH = 1000

/**
 * A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab
 * or a carriage return first; OWASP "CSV injection") gets a `'` in front, so
 * it shows as the text it is. Numbers are written as numbers (no formula).
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
}

/** One CSV cell (RFC 4180): quoted, its quotes doubled, when it holds a quote, a comma or a line break. */
const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

/**
 * The CSV of a form's submissions (issue 12, item 4): RFC 4180 (quotes where
 * needed, CRLF line ends), UTF-8, optionally with a byte order mark for
 * spreadsheet programs. One column per field of the form's current
 * definition, after id, time, status, version and IP. Rows are read in
 * batches by id, and each batch is written as one chunk when the client has
 * taken the previous one (backpressure: one chunk buffered ahead), so any
 * number of rows streams in bounded memory. The lines are joined here rather
 * than by a CSV library row by row: that was most of the export's CPU (the
 * bench's 50,000-row export, bench/forms.ts).
 */
export function submissionsCsv(db: Db, form: FormRow, options: { bom: boolean; status: SubmissionStatus | undefined }): Readable {
  const fields = form.fields
  const header = ['id', 'submitted_at', 'status', 'form_version', 'ip', ...fields.map((field) => field.name)]
  async function* chunks() {
    yield `${options.bom ? '\ufeff' : ''}${header.map(cell).join(',')}\r\n`
    let after = 0
    for (;;) {
      const batch = await readSubmissionBatch(db, form.id, after, CSV_BATCH, options.status)
      let text = ''
      for (const row of batch) {
        text += `${row.id},${cell(row.created_at)},${cell(row.status)},${row.form_version},${cell(row.ip ?? '')}`
        for (const field of fields) {
          const value = row.data[field.name]
          text += `,${typeof value === 'number' ? String(value) : cell(neutralise(displayValue(value)))}`
        }
        text += '\r\n'
      }
      if (text !== '') yield text
      const last = batch.at(-1)
      if (batch.length < CSV_BATCH || !last) return
      after = Number(last.id)
    }
  }
  // A failed read ends the download with an error (the client sees a cut response), never a silent short file.
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 })
}
