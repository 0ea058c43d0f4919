// `npm test`: the whole suite on PGlite, then — when TEST_DATABASE_URL is set —
// the same suite on that PostgreSQL server (each run in its own random databases).
// Extra arguments are passed to `node --test` (e.g. a file to run alone).
import { spawnSync } from 'node:child_process'

const files = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('-'))
const targets: ('pglite' | 'postgres')[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
const only = process.env.TEST_DB
let failed = false

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
      ...flags,
      ...(files.length > 0 ? files : ['src/**/*.test.ts', 'test/**/*.test.ts']),
    ],
    { stdio: 'inherit', env: { ...process.env, TEST_DB: target, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' } },
  )
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
