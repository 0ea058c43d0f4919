// `npm test`: the whole suite on PGlite, then — when TEST_DATABASE_URL is set —
// the same suite on that PostgreSQL server (each run in its own random databases).
// Extra arguments are passed to `node --test` (e.g. a file to run alone).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { summarizeStatusCoverage } from '../test/status-coverage.ts'

const files = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('-'))
const targets: ('pglite' | 'postgres')[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
const only = process.env.TEST_DB
let failed = false
const total = { passed: 0, failed: 0, skipped: 0 }
const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-test-counts-')), 'counts.json')
// Status coverage (test/status-coverage.ts): each test app writes the statuses it saw here.
const statusDir = path.join(path.dirname(countsFile), 'statuses')
fs.mkdirSync(statusDir)

for (const target of only === 'pglite' || only === 'postgres' ? [only] : targets) {
  if (target === 'postgres' && !process.env.TEST_DATABASE_URL) {
    console.error('TEST_DB=postgres needs TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres')
    process.exit(2)
  }
  console.log(`\n# Plinth test suite on ${target === 'postgres' ? `PostgreSQL (${process.env.TEST_DATABASE_URL})` : 'PGlite'}\n`)
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-global-setup=test/global-setup.ts',
      '--import=./test/setup.ts',
      '--test-concurrency=2',
      '--test-timeout=120000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./test/count-reporter.ts',
      `--test-reporter-destination=${countsFile}`,
      ...flags,
      ...(files.length > 0 ? files : ['src/**/*.test.ts', 'test/**/*.test.ts']),
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, TEST_DB: target, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', PLINTH_STATUS_LOG_DIR: statusDir },
    },
  )
  if (result.status !== 0) failed = true
  try {
    const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')) as typeof total
    total.passed += counts.passed
    total.failed += counts.failed
    total.skipped += counts.skipped
  } catch {
    failed = true // the run died before reporting
  }
}
// Declared statuses no test observed (a report: an undeclared status that a test saw already failed that test).
// With STATUS_COVERAGE_STRICT=1 on a whole-suite run, a declared 2xx that no test observed fails the run.
const coverage = summarizeStatusCoverage(statusDir)
if (coverage.operations > 0) {
  console.log(`\nstatus coverage: ${coverage.operations} operations; declared statuses no test observed on ${coverage.unobserved.length}:`)
  for (const line of coverage.unobserved) console.log(`  ${line}`)
  if (process.env.STATUS_COVERAGE_STRICT === '1' && files.length === 0 && coverage.unobserved2xx.length > 0) {
    console.log(`status coverage: declared 2xx never observed:\n  ${coverage.unobserved2xx.join('\n  ')}`)
    failed = true
  }
}
fs.rmSync(path.dirname(countsFile), { recursive: true, force: true })
// One closing line over every database run.
console.log(`\ntotal: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)
process.exit(failed ? 1 : 0)
