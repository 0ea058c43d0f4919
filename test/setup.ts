// Imported into every test process (--import): an unexpected console.error fails the test (STYLE §10).
import { format } from 'node:util'

console.error = (...args: unknown[]) => {
  throw new Error(`unexpected console.error: ${format(...args)}`)
}
