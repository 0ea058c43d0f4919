// A node:test reporter that writes only the totals as JSON, so that
// scripts/test.ts can print one closing line over both database runs.
type Event = { type: string; data: { skip?: unknown; todo?: unknown; details?: { type?: string } } }

export default async function* countReporter(source: AsyncIterable<Event>) {
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue
    if (event.type === 'test:pass') {
      if (event.data.skip !== undefined || event.data.todo !== undefined) counts.skipped++
      else counts.passed++
    } else if (event.type === 'test:fail') {
      // A failing TODO test does not fail the run (node --test exits 0), so it is not counted as a failure.
      if (event.data.todo !== undefined) counts.skipped++
      else counts.failed++
    }
  }
  yield `${JSON.stringify(counts)}\n`
}
