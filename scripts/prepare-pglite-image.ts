// Runs after `npm install` (decision 0003): prepares what makes a first
// `npm start` on an empty DATA_DIR fast.
// 1. The initdb image: PGlite initialised once (its initdb takes 5–20 s here).
// 2. The migrated image: that database with every migration applied, which a
//    new data directory copies (~0.2 s) instead of initialising and migrating.
// 3. Node's compile cache for the app's modules, so the first start does not
//    compile them either.
import fs from 'node:fs'
import module from 'node:module'
import path from 'node:path'
import { openPglite } from '../src/core/db/database.ts'
import { migrateUp, readMigrationFiles } from '../src/core/db/migrate.ts'
import {
  buildPgliteImage,
  loadPgliteImage,
  type MigratedImageManifest,
  migratedImageDir,
  pgliteImagePath,
} from '../src/core/db/pglite-image.ts'

const started = performance.now()
const elapsed = () => `${Math.round(performance.now() - started)} ms`

let image = await loadPgliteImage()
if (image) console.log(`plinth: PGlite image present at ${pgliteImagePath}`)
else {
  image = await buildPgliteImage()
  console.log(`plinth: built the PGlite image in ${elapsed()} at ${pgliteImagePath}`)
}

const files = readMigrationFiles()
const wanted: MigratedImageManifest = { migrations: files.map(({ name, checksum }) => ({ name, checksum })) }
const manifestPath = path.join(migratedImageDir, 'migrations.json')
const current = fs.existsSync(manifestPath) ? fs.readFileSync(manifestPath, 'utf8') : undefined
// Steps 2 and 3 only make starts faster: if one fails, say so and let the install
// succeed (a new data directory then starts from the initdb image, as before).
if (current === JSON.stringify(wanted)) console.log(`plinth: migrated PGlite image present at ${migratedImageDir}`)
else {
  // Built beside the final directory, then renamed: a cut-short build leaves no half image.
  const building = `${migratedImageDir}.${process.pid}.tmp`
  try {
    fs.rmSync(building, { recursive: true, force: true })
    const database = await openPglite({ dataDir: building, loadDataDir: image })
    try {
      await migrateUp(database.db, files)
    } finally {
      await database.close()
    }
    fs.writeFileSync(path.join(building, 'migrations.json'), JSON.stringify(wanted))
    fs.rmSync(migratedImageDir, { recursive: true, force: true })
    fs.renameSync(building, migratedImageDir)
    console.log(`plinth: built the migrated PGlite image (${files.length} migrations) in ${elapsed()} at ${migratedImageDir}`)
  } catch (error) {
    fs.rmSync(building, { recursive: true, force: true })
    console.warn(
      `plinth: could not build the migrated PGlite image (${(error as Error).message}); new data directories start from the initdb image`,
    )
  }
}

// The compile cache lives where main.js's `enableCompileCache()` looks (the
// system's temporary directory); loading the modules once fills it.
if (module.enableCompileCache) {
  try {
    module.enableCompileCache()
    await import('../src/app.ts')
    await import('../src/jobs.ts')
    module.flushCompileCache()
    console.log(`plinth: compile cache filled (${elapsed()})`)
  } catch (error) {
    console.warn(`plinth: could not fill the compile cache (${(error as Error).message}); the first start compiles the modules`)
  }
}
