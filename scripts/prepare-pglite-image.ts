// Runs after `npm install`: builds the initialised PGlite image so that a first
// `npm start` on an empty DATA_DIR does not pay PGlite's slow initdb (decision 0003).
import { buildPgliteImage, loadPgliteImage, pgliteImagePath } from '../src/core/db/pglite-image.ts'

if (await loadPgliteImage()) {
  console.log(`plinth: PGlite image present at ${pgliteImagePath}`)
} else {
  const started = performance.now()
  await buildPgliteImage()
  console.log(`plinth: built the PGlite image in ${Math.round(performance.now() - started)} ms at ${pgliteImagePath}`)
}
