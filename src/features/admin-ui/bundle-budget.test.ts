// The admin's first-load budget (issue 13, decision 0023): what the browser fetches to show
// /admin (the entry script, the chunks it imports statically, the stylesheet) must stay at or
// under 150 KB compressed. Builds admin/ as it is now into a temporary directory (about a
// second), so the figure is the sources', not a stale dist/admin.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { buildAdmin } from '../../../scripts/build-admin.ts'

const FIRST_LOAD_BUDGET_BYTES = 150 * 1024

test('the first load of /admin is at most 150 KB compressed (gzip, the larger of the two encodings served)', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-admin-budget-'))
  try {
    const manifest = await buildAdmin(outDir)
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8')
    // What index.html loads is what the manifest counts: the entry, its static imports (modulepreload) and the CSS.
    const loaded = [...html.matchAll(/(?:src|href)="\/admin\/assets\/([^"]+)"/g)].map((match) => match[1]).sort()
    assert.deepEqual(loaded, [...manifest.firstLoad].sort())
    assert.ok(manifest.firstLoad.includes(manifest.entry))
    assert.ok(manifest.firstLoad.some((file) => file.endsWith('.css')))

    const sum = (encoding: 'gzip' | 'br' | 'bytes') =>
      manifest.firstLoad.reduce((total, file) => total + (manifest.files[file]?.[encoding] ?? Number.NaN), 0)
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
    console.log(
      `admin first load: ${kb(sum('gzip'))} gzip, ${kb(sum('br'))} brotli, ${kb(sum('bytes'))} uncompressed ` +
        `(${manifest.firstLoad.length} files; budget ${kb(FIRST_LOAD_BUDGET_BYTES)})`,
    )
    assert.ok(
      sum('gzip') <= FIRST_LOAD_BUDGET_BYTES,
      `first load ${kb(sum('gzip'))} gzip is over the ${kb(FIRST_LOAD_BUDGET_BYTES)} budget`,
    )
    // The lazy screens are not in it.
    const lazy = Object.keys(manifest.files).filter((file) => !manifest.firstLoad.includes(file))
    assert.ok(
      lazy.some((file) => file.startsWith('sign-in-')),
      'the sign-in screen is its own chunk, loaded on demand',
    )
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true })
  }
})
