import fs from 'node:fs'
import path from 'node:path'

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
const cacheDir = path.join(projectRoot, 'node_modules/.cache/plinth')
export const pgliteImagePath = path.join(cacheDir, `pglite-${pgliteVersion}-initdb.tar.gz`)

/**
 * The migrated image: a data directory with every migration of the installed
 * version applied, closed cleanly (`pgdata/`), and the list of those migrations
 * (`migrations.json`). Built by `npm install` (scripts/prepare-pglite-image.ts).
 * A new data directory is a copy of it: ~0.2 s, where loading the initdb image
 * took ~1 s plus the migrations, and grew the WebAssembly memory (idle RSS
 * ~130 MB higher) by unpacking the tarball inside it.
 */
export const migratedImageDir = path.join(cacheDir, `pglite-${pgliteVersion}-migrated`)
export type MigratedImageManifest = { migrations: { name: string; checksum: string }[] }

/**
 * Makes `pgdata` a copy of the migrated image, if there is one and every
 * migration in it is, unchanged, one of this version's files (the ones added
 * since are applied at start as usual). Copies into a temporary sibling first,
 * so a crash never leaves half a data directory. Returns whether it copied.
 */
export async function copyMigratedImage(pgdata: string, imageDir = migratedImageDir): Promise<boolean> {
  // Something is there already (an initdb cut short?): leave it to PGlite, as before.
  if (fs.existsSync(pgdata)) return false
  let manifest: MigratedImageManifest
  try {
    manifest = JSON.parse(await fs.promises.readFile(path.join(imageDir, 'migrations.json'), 'utf8')) as MigratedImageManifest
  } catch {
    return false
  }
  // Loaded here, not at the top: migrate.ts imports database.ts, which imports this file.
  const { readMigrationFiles } = await import('./migrate.ts')
  const checksums = new Map(readMigrationFiles().map((file) => [file.name, file.checksum]))
  if (!manifest.migrations.every((m) => checksums.get(m.name) === m.checksum)) return false
  const temporary = `${pgdata}.${process.pid}.tmp`
  await fs.promises.rm(temporary, { recursive: true, force: true })
  await fs.promises.cp(path.join(imageDir, 'pgdata'), temporary, { recursive: true, mode: fs.constants.COPYFILE_FICLONE })
  await fs.promises.rename(temporary, pgdata)
  return true
}

export async function loadPgliteImage(): Promise<Blob | undefined> {
  try {
    return new Blob([await fs.promises.readFile(pgliteImagePath)])
  } catch {
    return undefined
  }
}

/** Initialises an empty database the slow way and saves it as the image. */
export async function buildPgliteImage(): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite')
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
