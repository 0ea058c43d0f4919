import assert from 'node:assert/strict'
import type { Readable } from 'node:stream'
import { describe, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from '#core/db/database.ts'
import { CSV_BATCH, submissionsCsv } from './forms.csv.ts'
import { findForm } from './forms.queries.ts'
import { buildFormsApp, contactForm, createFormVia, type FormsTestApp } from './forms.testing.ts'

// Two batches and then some: enough to show the export reads as it is consumed. The volume
// (50,000 rows: throughput and the server's memory, measured in its own process) is the bench's
// (bench/forms.ts); a test this size keeps CI fast.
const ROWS = 2 * CSV_BATCH

async function seed(testApp: FormsTestApp, formId: number, from: number, to: number) {
  await sql`insert into form_submissions (form_id, form_version, data, status, ip, search_text, created_at)
    select ${formId}, 1,
           jsonb_build_object('name', 'Visitor ' || i, 'email', 'visitor' || i || '@example.com', 'topic', 'Sales',
                              'message', 'Line with "quotes", commas, and more: ' || repeat('x', 180) || ' #' || i, 'consent', true),
           'new', '192.0.2.1', '', timestamptz '2026-03-14 10:00:00+00' + i * interval '1 second'
      from generate_series(${from}::int, ${to}::int) as i`.execute(testApp.database.db)
}

/** The next chunk the stream gives, or undefined at its end. */
const nextChunk = (stream: Readable) =>
  new Promise<Buffer | undefined>((resolve, reject) => {
    const chunk = stream.read() as Buffer | null
    if (chunk !== null) return resolve(chunk)
    const done = () => {
      stream.off('readable', readable)
      stream.off('end', ended)
      stream.off('error', reject)
    }
    const readable = () => {
      const next = stream.read() as Buffer | null
      if (next === null) return
      done()
      resolve(next)
    }
    const ended = () => {
      done()
      resolve(undefined)
    }
    stream.on('readable', readable)
    stream.once('end', ended)
    stream.once('error', reject)
  })

describe('CSV export of many rows', () => {
  test(`${ROWS} submissions: rows are read as the reader takes them (a row added after the first bytes is in the export); over HTTP every row arrives`, async (t) => {
    const testApp = await buildFormsApp(t)
    const created = await createFormVia(testApp, contactForm())
    await seed(testApp, created.id, 1, ROWS)
    const form = await findForm(testApp.database.db, created.id)
    assert.ok(form)

    const csv = submissionsCsv(testApp.database.db, form, { bom: false, status: undefined })
    const chunks: Buffer[] = []
    const first = await nextChunk(csv)
    assert.ok(first, 'the header and the first rows')
    chunks.push(first)
    // Nothing more is taken for now: with backpressure the export holds a few rows of its first batch at
    // most, and has not read the rest. A row written now is read when the reader gets there. An export
    // that read every row before answering (or ignored backpressure and ran ahead) would miss it.
    await seed(testApp, created.id, ROWS + 1, ROWS + 1)
    for (let chunk = await nextChunk(csv); chunk; chunk = await nextChunk(csv)) chunks.push(chunk)
    const records = parse(Buffer.concat(chunks)) as string[][]
    assert.equal(records.length, ROWS + 2, 'the header, every row and the one added while the export ran')
    assert.equal(records.at(-1)?.[5], `Visitor ${ROWS + 1}`)
    assert.equal(records[1]?.[5], 'Visitor 1')

    // The same over HTTP: every row arrives, in order, read back exactly.
    const response = await testApp.app.inject({
      method: 'GET',
      url: `/api/v1/forms/${created.id}/submissions.csv`,
      headers: testApp.editor,
    })
    assert.equal(response.statusCode, 200)
    const overHttp = parse(response.rawPayload) as string[][]
    assert.deepEqual(
      overHttp.slice(1).map((record) => record[5]),
      Array.from({ length: ROWS + 1 }, (_, i) => `Visitor ${i + 1}`),
    )
    assert.match(overHttp[ROWS]?.[8] ?? '', new RegExp(`^Line with "quotes", commas, and more: x+ #${ROWS}$`))
  })
})
