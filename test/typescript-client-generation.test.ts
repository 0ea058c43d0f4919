// `npm run client` (scripts/client.ts): the same routes give the same files, byte for byte
// (so `npm run client:check` in CI only fails on a real change), and the check names
// exactly the files that differ or are missing.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { generateClientFiles, staleFiles } from '../scripts/client.ts'

test('generation is deterministic, and the staleness check names each differing or missing file', async (t) => {
  const first = await generateClientFiles()
  const second = await generateClientFiles()
  assert.deepEqual(Object.keys(first).sort(), ['openapi.json', 'schema.ts'])
  assert.equal(first['openapi.json'], second['openapi.json'])
  assert.equal(first['schema.ts'], second['schema.ts'])
  // The types carry the operations of the document (a sample: every path appears as a key of `paths`).
  const document = JSON.parse(first['openapi.json'] as string) as { paths: Record<string, unknown> }
  for (const route of Object.keys(document.paths)) assert.ok(first['schema.ts']?.includes(`"${route}": {`), route)

  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-client-check-'))
  t.after(() => fs.rmSync(directory, { recursive: true, force: true }))
  assert.deepEqual(staleFiles(first, directory), ['openapi.json', 'schema.ts'], 'missing files are stale')
  for (const [name, content] of Object.entries(first)) fs.writeFileSync(path.join(directory, name), content)
  assert.deepEqual(staleFiles(first, directory), [], 'identical files are not')
  fs.appendFileSync(path.join(directory, 'schema.ts'), ' ')
  assert.deepEqual(staleFiles(first, directory), ['schema.ts'], 'one changed byte is')
  fs.rmSync(path.join(directory, 'openapi.json'))
  assert.deepEqual(staleFiles(first, directory), ['openapi.json', 'schema.ts'])
})
