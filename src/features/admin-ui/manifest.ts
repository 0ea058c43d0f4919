import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where `npm run build:admin` (scripts/build-admin.ts) writes the admin UI: dist/admin/ at the project's root. */
export const ADMIN_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/admin')

/** dist/admin/manifest.json: what the build wrote (names relative to dist/admin/assets/). */
export type AdminManifest = {
  /** The entry module the shell's index.html loads. */
  entry: string
  /** The entry's stylesheet(s). */
  css: string[]
  /** What the first load of /admin fetches: the entry, the chunks it imports statically and their CSS. */
  firstLoad: string[]
  /** Every asset with its size as built and precompressed (bytes). */
  files: Record<string, { bytes: number; br: number; gzip: number }>
}

/** The built admin (index.html and the manifest), or undefined when dist/admin was not built. */
export function readAdminBuild(dir = ADMIN_DIST_DIR): { manifest: AdminManifest; indexHtml: string } | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as AdminManifest
    return { manifest, indexHtml: fs.readFileSync(path.join(dir, 'index.html'), 'utf8') }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
