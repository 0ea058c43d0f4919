import fs from 'node:fs'
import path from 'node:path'
import { escapeHtml } from '#core/escape-html.ts'
import type { VariantFormat } from '../media/media.queries.ts'
import type { PreparedImage } from '../media/media.service.ts'

/**
 * Pictures for the demo site: covers (a gradient, shapes and the category) and
 * bar charts, drawn as SVG and rasterised by sharp (librsvg), with no network.
 *
 * They are drawn and encoded once, by `node scripts/make-demo-images.ts`, which
 * writes the stored original and every variant (AVIF, WebP and JPEG or PNG at
 * 320, 640 and 1200 px, as the media pipeline makes them) into ./images/ with a
 * manifest. The seed stores those files as they are (`readDemoImages`): encoding
 * them took ~70 s of CPU and ~900 MB at every seed (issue 8, item 7).
 *
 * 1200 × 675: the largest variant is the original's own width.
 */
export const COVER_SIZE = { width: 1200, height: 675 } as const

const loadSharp = async () => (await import('sharp')).default

export const DEMO_IMAGES_DIR = path.join(import.meta.dirname, 'images')

type ManifestImage = {
  filename: string
  alt: string
  original: { file: string; extension: 'jpg' | 'png'; width: number; height: number }
  variants: { file: string; format: VariantFormat; width: number; height: number }[]
}
/** images/manifest.json: covers by category (a few designs each), then the charts in FIGURES' order. */
export type DemoImagesManifest = { covers: Record<string, ManifestImage[]>; charts: ManifestImage[] }

/** The pre-encoded images, bytes read, ready for `storePreparedImage`. */
export function readDemoImages(): { covers: Record<string, PreparedImage[]>; charts: PreparedImage[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(DEMO_IMAGES_DIR, 'manifest.json'), 'utf8')) as DemoImagesManifest
  const read = (file: string) => fs.readFileSync(path.join(DEMO_IMAGES_DIR, file))
  const load = (image: ManifestImage): PreparedImage => ({
    filename: image.filename,
    alt: image.alt,
    original: { ...image.original, bytes: read(image.original.file) },
    variants: image.variants.map((variant) => ({ ...variant, bytes: read(variant.file) })),
  })
  return {
    covers: Object.fromEntries(Object.entries(manifest.covers).map(([category, images]) => [category, images.map(load)])),
    charts: manifest.charts.map(load),
  }
}

const FONT = 'DejaVu Sans, Liberation Sans, Helvetica, Arial, sans-serif'

/** A name for a hue, for alt text. */
function hueName(hue: number): string {
  const names = [
    'red',
    'orange',
    'amber',
    'yellow',
    'lime',
    'green',
    'teal',
    'cyan',
    'sky blue',
    'blue',
    'indigo',
    'violet',
    'purple',
    'rose',
  ]
  return names[Math.floor((((hue % 360) + 360) % 360) / (360 / names.length))] as string
}

/** A seeded sequence in [0, 1) (mulberry32), so the same post always gets the same picture. */
export function randomSequence(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A cover: a diagonal gradient, translucent shapes and the category (no title:
 * a few covers per category serve every post, and the page shows the title).
 * Returns JPEG bytes and alt text describing the picture.
 */
export async function drawCover(input: { seed: number; label: string; site: string }) {
  const random = randomSequence(input.seed)
  const { width, height } = COVER_SIZE
  const hue = Math.floor(random() * 360)
  const second = (hue + 40 + Math.floor(random() * 80)) % 360
  const shapes: string[] = []
  const circles = random() < 0.5
  for (let i = 0; i < 9; i++) {
    const x = Math.round(random() * width)
    const y = Math.round(random() * height)
    const size = Math.round(60 + random() * 260)
    const fill = `hsl(${(hue + i * 23) % 360}, 70%, ${40 + Math.round(random() * 30)}%)`
    shapes.push(
      circles
        ? `<circle cx="${x}" cy="${y}" r="${size}" fill="${fill}" fill-opacity="0.3"/>`
        : `<rect x="${x - size}" y="${y - size / 2}" width="${size * 2}" height="${size}" rx="24" fill="${fill}" fill-opacity="0.28" transform="rotate(${Math.round(random() * 60 - 30)} ${x} ${y})"/>`,
    )
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue}, 60%, 28%)"/>
      <stop offset="1" stop-color="hsl(${second}, 65%, 52%)"/>
    </linearGradient>
    <linearGradient id="shade" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0.45" stop-color="#000" stop-opacity="0"/>
      <stop offset="1" stop-color="#000" stop-opacity="0.55"/>
    </linearGradient>
  </defs>
  <rect width="${width}" height="${height}" fill="url(#bg)"/>
  ${shapes.join('\n  ')}
  <rect width="${width}" height="${height}" fill="url(#shade)"/>
  <g font-family="${FONT}" fill="#fff">
    <text x="72" y="${height - 90}" font-size="54" font-weight="bold" letter-spacing="6">${escapeHtml(input.label.toUpperCase())}</text>
    <text x="${width - 72}" y="${height - 40}" font-size="22" text-anchor="end" fill-opacity="0.7">${escapeHtml(input.site)}</text>
  </g>
</svg>`
  const sharp = await loadSharp()
  const bytes = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer()
  const shape = circles ? 'overlapping circles' : 'tilted rounded bars'
  const alt = `Abstract ${hueName(hue)} and ${hueName(second)} gradient with ${shape}, labelled “${input.label}”.`
  return { bytes, alt }
}

/** A bar chart (PNG): one or two bars per row, values as labels. */
export async function drawChart(input: { title: string; bars: readonly (readonly [string, number, number])[]; seed: number }) {
  const { width, height } = COVER_SIZE
  const random = randomSequence(input.seed)
  const hue = Math.floor(random() * 360)
  const paired = input.bars.some(([, , after]) => after > 0)
  const max = Math.max(...input.bars.flatMap(([, before, after]) => [before, after]))
  const left = 100
  const bottom = height - 90
  const plotHeight = bottom - 140
  const group = (width - left - 60) / input.bars.length
  const barWidth = paired ? group * 0.32 : group * 0.55
  const parts: string[] = []
  input.bars.forEach(([label, before, after], i) => {
    const x = left + i * group + group * 0.12
    const values = paired ? [before, after] : [before]
    values.forEach((value, k) => {
      const h = Math.max(2, Math.round((value / max) * plotHeight))
      const bx = x + k * (barWidth + 8)
      const fill = k === 0 ? `hsl(${hue}, 25%, 62%)` : `hsl(${hue}, 70%, 42%)`
      parts.push(`<rect x="${bx}" y="${bottom - h}" width="${barWidth}" height="${h}" fill="${fill}" rx="4"/>`)
      parts.push(`<text x="${bx + barWidth / 2}" y="${bottom - h - 10}" font-size="22" text-anchor="middle">${value}</text>`)
    })
    parts.push(
      `<text x="${x + (paired ? barWidth + 4 : barWidth / 2)}" y="${bottom + 40}" font-size="24" text-anchor="middle">${escapeHtml(label)}</text>`,
    )
  })
  const legend = paired
    ? `<rect x="${width - 330}" y="52" width="22" height="22" fill="hsl(${hue}, 25%, 62%)"/><text x="${width - 300}" y="71" font-size="22">before</text>
       <rect x="${width - 190}" y="52" width="22" height="22" fill="hsl(${hue}, 70%, 42%)"/><text x="${width - 160}" y="71" font-size="22">after</text>`
    : ''
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
  <rect width="${width}" height="${height}" fill="#fbfaf7"/>
  <g font-family="${FONT}" fill="#1f2933">
    <text x="${left}" y="72" font-size="32" font-weight="bold">${escapeHtml(input.title)}</text>
    ${legend}
    <line x1="${left - 20}" y1="${bottom}" x2="${width - 50}" y2="${bottom}" stroke="#52606d" stroke-width="2"/>
    ${parts.join('\n    ')}
  </g>
</svg>`
  const sharp = await loadSharp()
  return sharp(Buffer.from(svg)).png({ compressionLevel: 9, palette: true }).toBuffer()
}
