// Imported into every test process (--import), so once per test file.
import { after } from 'node:test'
import { format } from 'node:util'
import { dropSharedTestDatabase } from './db.ts'

// An unexpected console.error fails the test (STYLE §10).
console.error = (...args: unknown[]) => {
  throw new Error(`unexpected console.error: ${format(...args)}`)
}

// The file's shared database goes when the file's tests are done.
after(() => dropSharedTestDatabase())
