// Draws the demo site's pictures and encodes them once, as the media pipeline
// would (src/features/demo/demo.images.ts says why): run it after changing the
// drawings, the variant sizes or the encoders, and commit src/features/demo/images/.
//   node scripts/make-demo-images.ts
import fs from 'node:fs'
import path from 'node:path'
import { CATEGORIES, FIGURES, SITE } from '../src/features/demo/demo.corpus.ts'
import { DEMO_IMAGES_DIR, type DemoImagesManifest, drawChart, drawCover } from '../src/features/demo/demo.images.ts'
import { makeVariant, prepareUpload, variantPlan } from '../src/features/media/media.images.ts'

/** Covers per category: posts of a category take them in turn. */
const COVERS_PER_CATEGORY = 3

type Entry = DemoImagesManifest['charts'][number]

async function encode(name: string, filename: string, alt: string, drawn: Buffer): Promise<Entry> {
  const prepared = await prepareUpload(drawn)
  if ((prepared.extension !== 'jpg' && prepared.extension !== 'png') || prepared.width === null || prepared.height === null) {
    throw new Error(`${name}: expected a JPEG or PNG with a size, got ${prepared.mimeType}`)
  }
  const original = { file: `${name}.${prepared.extension}`, extension: prepared.extension, width: prepared.width, height: prepared.height }
  fs.writeFileSync(path.join(DEMO_IMAGES_DIR, original.file), prepared.bytes)
  const variants: Entry['variants'] = []
  for (const planned of variantPlan(prepared)) {
    const variant = await makeVariant(prepared.bytes, planned.format, planned.width)
    const file = `${name}-${planned.width}.${variant.format}`
    fs.writeFileSync(path.join(DEMO_IMAGES_DIR, file), variant.bytes)
    variants.push({ file, format: variant.format, width: planned.width, height: variant.height })
  }
  console.log(`${name}: ${variants.length} variants`)
  return { filename, alt, original, variants }
}

fs.rmSync(DEMO_IMAGES_DIR, { recursive: true, force: true })
fs.mkdirSync(DEMO_IMAGES_DIR, { recursive: true })
const manifest: DemoImagesManifest = { covers: {}, charts: [] }
for (const [c, category] of CATEGORIES.entries()) {
  const covers: Entry[] = []
  for (let n = 1; n <= COVERS_PER_CATEGORY; n++) {
    const { bytes, alt } = await drawCover({ seed: c * 10 + n, label: category.name, site: SITE.title })
    covers.push(await encode(`cover-${category.key}-${n}`, `${category.key}-${n}.jpg`, alt, bytes))
  }
  manifest.covers[category.key] = covers
}
for (const [i, figure] of FIGURES.entries()) {
  const bytes = await drawChart({ title: figure.title, bars: figure.bars, seed: i + 101 })
  manifest.charts.push(await encode(`chart-${i + 1}`, `chart-${i + 1}.png`, figure.alt, bytes))
}
fs.writeFileSync(path.join(DEMO_IMAGES_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
const files = fs.readdirSync(DEMO_IMAGES_DIR)
const bytes = files.reduce((sum, file) => sum + fs.statSync(path.join(DEMO_IMAGES_DIR, file)).size, 0)
console.log(`${files.length} files, ${(bytes / 1e6).toFixed(2)} MB in ${DEMO_IMAGES_DIR}`)
