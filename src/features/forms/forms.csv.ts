import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
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

/**
 * The CSV of a form's submissions (issue 12, item 4): RFC 4180 (csv-stringify:
 * quotes where needed, CRLF line ends), UTF-8, optionally with a byte order
 * mark for spreadsheet programs. One column per field of the form's current
 * definition, after id, time, status, version and IP. Rows are read in
 * batches by id and pushed as the client takes them (backpressure), so any
 * number of rows streams in bounded memory.
 */
export function submissionsCsv(db: Db, form: FormRow, options: { bom: boolean; status: SubmissionStatus | undefined }): Readable {
  const fields = form.fields
  const header = ['id', 'submitted_at', 'status', 'form_version', 'ip', ...fields.map((field) => field.name)]
  async function* rows() {
    yield header
    let after = 0
    for (;;) {
      const batch = await readSubmissionBatch(db, form.id, after, CSV_BATCH, options.status)
      for (const row of batch) {
        yield [
          String(row.id),
          row.created_at,
          row.status,
          String(row.form_version),
          row.ip ?? '',
          ...fields.map((field) => {
            const value = row.data[field.name]
            return typeof value === 'number' ? String(value) : neutralise(displayValue(value))
          }),
        ]
      }
      const last = batch.at(-1)
      if (batch.length < CSV_BATCH || !last) return
      after = Number(last.id)
    }
  }
  const csv = stringify({ bom: options.bom, record_delimiter: 'windows', quoted_match: /[",\r\n]/ })
  const source = Readable.from(rows())
  // A failed read ends the download with an error (the client sees a cut response), never a silent short file.
  source.on('error', (error) => csv.destroy(error))
  return source.pipe(csv)
}
