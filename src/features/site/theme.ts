import { hash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Handlebars from 'handlebars'

/** The theme shipped with Plinth; `THEME_DIR` may override any of its files. */
export const DEFAULT_THEME_DIR = path.resolve(import.meta.dirname, '../../../themes/default')

/** The pages a theme must provide (each a `templates/<name>.hbs`); every other template is a partial. */
export const PAGE_TEMPLATES = [
  'home',
  'list',
  'post',
  'page',
  'search',
  '404',
  'welcome',
  'form',
  'form-thanks',
  'form-embed',
  'products',
  'product',
] as const
export type PageTemplate = (typeof PAGE_TEMPLATES)[number]

export type ThemeAsset = { body: Buffer; type: string; etag: string }

export type Theme = {
  /** Renders a page template with auto-escaped output; synchronous, from templates parsed at load. */
  render(name: PageTemplate, data: Record<string, unknown>): string
  /** A static file by its public path (`/theme/<hash>/<name>`), if the theme has it. */
  asset(urlPath: string): ThemeAsset | undefined
}

const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
}

/** `dir/sub/*` as name → bytes; a missing folder is empty. */
function readFolder(dir: string, sub: string): Map<string, Buffer> {
  const folder = path.join(dir, sub)
  if (!fs.existsSync(folder)) return new Map()
  return new Map(
    fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => [entry.name, fs.readFileSync(path.join(folder, entry.name))]),
  )
}

/**
 * Loads a theme once, at start: every template and asset of the default theme,
 * each replaced by the file of the same name in `themeDir` when there is one.
 *
 * Templates are Handlebars (decision 0010): `{{x}}` is HTML-escaped, only
 * `{{{x}}}` is not (the theme uses it for the stored, sanitised post HTML, the
 * search snippets and the JSON-LD, all made safe before they reach it). A
 * template can call only the helpers registered here and read only the data it
 * is given (own properties: Handlebars refuses prototype access). Every template
 * is compiled here, so a broken theme stops the start with the file's name, and
 * a request only runs compiled functions.
 *
 * Assets are served from memory at `/theme/<content hash>/<name>`: the URL
 * changes when the file does, so they are cached for a year.
 *
 * A theme is compiled once per process for the same files (by a hash of their
 * names and bytes): an app built again — every test builds its own — reuses it.
 */
export function loadTheme(themeDir: string | undefined): Theme {
  const dirs = themeDir ? [DEFAULT_THEME_DIR, themeDir] : [DEFAULT_THEME_DIR]
  const sources = new Map<string, string>()
  const assetFiles = new Map<string, Buffer>()
  for (const dir of dirs) {
    for (const [name, body] of readFolder(dir, 'templates'))
      if (name.endsWith('.hbs')) sources.set(name.slice(0, -4), body.toString('utf8'))
    for (const [name, body] of readFolder(dir, 'assets')) assetFiles.set(name, body)
  }
  const key = hash('sha256', JSON.stringify([...sources, ...[...assetFiles].map(([name, body]) => [name, hash('sha256', body)])]))
  const loaded = compiledThemes.get(key) ?? compileTheme(sources, assetFiles)
  compiledThemes.set(key, loaded)
  return loaded
}

const compiledThemes = new Map<string, Theme>()

function compileTheme(sources: Map<string, string>, assetFiles: Map<string, Buffer>): Theme {
  const assets = new Map<string, ThemeAsset>()
  const assetUrls = new Map<string, string>()
  for (const [name, body] of assetFiles) {
    const type = ASSET_TYPES[path.extname(name).toLowerCase()]
    if (!type) continue
    const digest = hash('sha256', body, 'base64url').slice(0, 12)
    const url = `/theme/${digest}/${name}`
    assets.set(url, { body, type, etag: `"${digest}"` })
    assetUrls.set(name, url)
  }

  const hbs = Handlebars.create()
  hbs.registerHelper('asset_url', (name: unknown) => {
    const url = assetUrls.get(String(name))
    if (!url) throw new Error(`the theme has no asset named "${String(name)}"`)
    return url
  })
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b)

  for (const [name, source] of sources) {
    try {
      hbs.precompile(source) // Handlebars compiles lazily: parse every file now, so a broken theme stops the start
    } catch (error) {
      throw new Error(`theme template ${name}.hbs: ${(error as Error).message}`)
    }
    if (!(PAGE_TEMPLATES as readonly string[]).includes(name)) hbs.registerPartial(name, hbs.compile(source, { preventIndent: true }))
  }
  const pages = new Map<PageTemplate, HandlebarsTemplateDelegate>()
  for (const name of PAGE_TEMPLATES) {
    const source = sources.get(name)
    if (source === undefined) throw new Error(`the theme has no templates/${name}.hbs`)
    pages.set(name, hbs.compile(source, { preventIndent: true }))
  }

  return {
    render: (name, data) => (pages.get(name) as HandlebarsTemplateDelegate)(data),
    asset: (urlPath) => assets.get(urlPath),
  }
}
