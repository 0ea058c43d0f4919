import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'

/**
 * A freshly initialised PGlite data directory, dumped as a tarball (decision 0003).
 *
 * PGlite's own initdb takes 5–20 s here; loading this image takes about 1 s. It is
 * built once by `npm install` (scripts/prepare-pglite-image.ts) for the installed
 * PGlite version, and rebuilt on demand if missing.
 */
const projectRoot = path.resolve(import.meta.dirname, '../../..')
const pgliteVersion = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as {
    version: string
  }
).version
export const pgliteImagePath = path.join(projectRoot, 'node_modules/.cache/plinth', `pglite-${pgliteVersion}-initdb.tar.gz`)

export async function loadPgliteImage(): Promise<Blob | undefined> {
  try {
    return new Blob([await fs.promises.readFile(pgliteImagePath)])
  } catch {
    return undefined
  }
}

/** Initialises an empty database the slow way and saves it as the image. */
export async function buildPgliteImage(): Promise<Blob> {
  const pglite = await PGlite.create()
  try {
    const image = await pglite.dumpDataDir('gzip')
    await fs.promises.mkdir(path.dirname(pgliteImagePath), { recursive: true })
    const temporary = `${pgliteImagePath}.${process.pid}.tmp`
    await fs.promises.writeFile(temporary, Buffer.from(await image.arrayBuffer()))
    await fs.promises.rename(temporary, pgliteImagePath)
    return image
  } finally {
    await pglite.close()
  }
}
