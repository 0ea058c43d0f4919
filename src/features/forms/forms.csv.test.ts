import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { parse } from 'csv-parse'
import { sql } from '#core/db/database.ts'
import { buildFormsApp, contactForm, createFormVia } from './forms.testing.ts'

const ROWS = 50_000
const MB = 1024 * 1024

// A collection now and then while the export streams: RSS then shows more of what is held,
// less of the garbage V8 has not yet collected (it collects lazily while the heap has room).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('CSV export of many rows', () => {
  test(`${ROWS} submissions stream out whole over HTTP; the RSS growth is measured and reported`, { timeout: 600_000 }, async (t) => {
    const testApp = await buildFormsApp(t, { privateDatabase: true })
    const form = await createFormVia(testApp, contactForm())
    // About 300 bytes a row: some 15 MB of CSV, more than the limit allows to be held at once.
    await sql`insert into form_submissions (form_id, form_version, data, status, ip, search_text, created_at)
      select ${form.id}, 1,
             jsonb_build_object('name', 'Visitor ' || i, 'email', 'visitor' || i || '@example.com', 'topic', 'Sales',
                                'message', 'Line with "quotes", commas, and more: ' || repeat('x', 180) || ' #' || i, 'consent', true),
             'new', '192.0.2.1', '', timestamptz '2026-03-14 10:00:00+00' + i * interval '1 second'
        from generate_series(1, ${ROWS}) as i`.execute(testApp.database.db)

    const port = await testApp.app.listen({ host: '127.0.0.1', port: 0 }).then((address) => new URL(address).port)
    gc()
    const before = process.memoryUsage().rss
    let peak = before
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 5)
    let records = 0
    let peakDetail = ''
    let bytes = 0
    let last: string[] | undefined
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/forms/${form.id}/submissions.csv`, {
        headers: { ...testApp.editor, 'accept-encoding': 'identity' },
      })
      assert.equal(response.status, 200)
      assert.ok(response.body)
      const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
      let sinceGc = 0
      counted.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        sinceGc += chunk.length
        if (sinceGc > 2 * MB) {
          sinceGc = 0
          gc()
        }
        const m = process.memoryUsage()
        if (m.rss > peak)
          peakDetail = `heapUsed ${(m.heapUsed / MB).toFixed(0)} heapTotal ${(m.heapTotal / MB).toFixed(0)} external ${(m.external / MB).toFixed(0)} arrayBuffers ${(m.arrayBuffers / MB).toFixed(0)}`
        peak = Math.max(peak, m.rss)
      })
      await pipeline(counted, parse(), async (rows: AsyncIterable<string[]>) => {
        for await (const row of rows) {
          records++
          last = row
        }
      })
    } finally {
      clearInterval(sample)
    }
    const growthMb = (peak - before) / MB
    t.diagnostic(
      `${(bytes / MB).toFixed(1)} MB of CSV, ${records} records, RSS growth ${growthMb.toFixed(1)} MB; at peak ${peakDetail}; before ${(before / MB).toFixed(0)}`,
    )
    assert.equal(records, ROWS + 1, 'the header and every row')
    assert.ok(bytes > 14 * MB, `the export is larger than the limit it is checked against (${bytes} bytes)`)
    assert.equal(last?.[5], `Visitor ${ROWS}`)
    // Not asserted yet: measured in this one process (the server, the HTTP client, csv-parse and the
    // test runner together), the growth varied from 39 to 134 MB between runs, over the 50 MB target
    // (issue 12). A measurement of the server alone, in a child process, is still to be made.
  })
})
