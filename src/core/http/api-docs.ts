import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import { brotliCompress, gzip, constants as zlib } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ifNoneMatch } from './etag.ts'

/**
 * The browsable API reference (issue 10, item 3; decision 0018): Redoc's
 * standalone bundle, read from node_modules (never a CDN) once when the app is
 * built, and a small HTML page whose `<redoc spec-url>` element the bundle
 * renders from /api/openapi.json. No script of ours runs on the page, so the
 * site's `script-src 'self'` holds; Redoc injects its styles as <style>
 * elements (styled-components) and runs its search index in a Worker made
 * from a blob, so this page alone allows `style-src 'unsafe-inline'` and
 * `worker-src blob:`.
 *
 * Also GET /api: a small JSON index of the API (the document, the reference,
 * the v1 base); a browser asking for HTML is sent on to the reference.
 */

export const API_DOCS_PATH = '/api/docs'
export const OPENAPI_PATH = '/api/openapi.json'
export const API_BASE_PATH = '/api/v1'

const require = createRequire(import.meta.url)
const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

type Asset = { body: Buffer; etag: string; gzip: () => Promise<Buffer>; br: () => Promise<Buffer> }

const etagOf = (body: Buffer | string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

/** Memoises a promise-returning function (a rejected promise is kept too: the same 500 every time, not a retry loop). */
const once = <T>(make: () => Promise<T>) => {
  let promise: Promise<T> | undefined
  return () => {
    promise ??= make()
    return promise
  }
}

/**
 * Bytes with their ETag and their compressed forms, each made once, at the
 * first request that asks for it, in libuv's thread pool (not on the event
 * loop). Measured on Redoc's 1.1 MB bundle: brotli quality 9 takes 0.54 s for
 * 297 KB, quality 11 4.9 s for 273 KB; gzip level 9 85 ms for 328 KB.
 */
function asset(body: Buffer): Asset {
  return {
    body,
    etag: etagOf(body),
    gzip: once(() => gzipAsync(body, { level: 9 })),
    br: once(() => brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })),
  }
}

// Read once per process (every app built in it serves the same bytes; a test process builds many apps).
let redocBundle: Asset | undefined

const REDOC_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg'
// An empty image in its place: the page loads nothing from another site (the CSP's img-src would refuse it anyway).
const EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"

/**
 * Redoc's standalone bundle as served: its source-map comment dropped (the map
 * is not served, so a browser would ask for a 404) and the one thing it loads
 * from another site, the attribution's logo on cdn.redoc.ly, replaced by an
 * empty inline image (the "API docs by Redocly" link stays). Throws when a
 * Redoc version refers to its CDN elsewhere, so an upgrade cannot quietly
 * start fetching from it.
 */
export function readRedocBundle(): Buffer {
  const text = fs
    .readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8')
    .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replaceAll(REDOC_LOGO, EMPTY_IMAGE)
  if (text.includes('cdn.redoc.ly')) throw new Error('redoc.standalone.js loads something from cdn.redoc.ly: see core/http/api-docs.ts')
  return Buffer.from(text)
}

/** The reference page: the bundle renders the `<redoc>` element; nothing inline runs. */
export function docsPage(scriptPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plinth API reference</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript><p>This reference needs JavaScript. The OpenAPI document it shows is at <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</p></noscript>
<redoc spec-url="${OPENAPI_PATH}" required-props-first="true" expand-responses="200,201,202,204"></redoc>
<script src="${scriptPath}"></script>
</body>
</html>
`
}

/**
 * The site's CSP (set by helmet for every answer) with what Redoc needs on its
 * page: inline styles and a blob Worker. Scripts stay `'self'` only.
 */
export function docsContentSecurityPolicy(sitePolicy: string): string {
  const directives = sitePolicy
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && !/^(style-src|worker-src)\s/.test(directive))
  return [...directives, "style-src 'self' 'unsafe-inline'", 'worker-src blob:'].join(';')
}

/** Which stored form of an asset to send for this Accept-Encoding (brotli first). */
function encodingFor(request: FastifyRequest): 'br' | 'gzip' | undefined {
  const accepted = String(request.headers['accept-encoding'] ?? '')
    .toLowerCase()
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => q === undefined || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
    .map(([name]) => name?.trim())
  if (accepted.includes('br')) return 'br'
  if (accepted.includes('gzip')) return 'gzip'
  return undefined
}

/** Adds `field` to Vary, keeping what is there (the CORS hook's Origin). */
function vary(reply: FastifyReply, field: string) {
  const prior = reply.getHeader('vary')
  reply.header('vary', prior === undefined || prior === '' ? field : `${String(prior)}, ${field}`)
}

async function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset, type: string, cacheControl: string) {
  vary(reply, 'accept-encoding')
  reply.header('etag', asset.etag).header('cache-control', cacheControl).type(type)
  if (ifNoneMatch(request.headers['if-none-match'], asset.etag)) return reply.code(304).send()
  const encoding = encodingFor(request)
  if (encoding === undefined) return reply.send(asset.body)
  return reply.header('content-encoding', encoding).send(await asset[encoding]())
}

/** A browser navigating to /api (it asks for HTML before JSON) is sent on to the reference. */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '')
  const html = accept.indexOf('text/html')
  const json = accept.indexOf('application/json')
  return html !== -1 && (json === -1 || html < json)
}

/**
 * Registers GET /api, GET /api/docs and the bundle under /api/docs/ on `site`
 * (after helmet, whose CSP the page adjusts). Reads the bundle now: a missing
 * `redoc` package fails the build of the app, not a later request.
 */
export function registerApiDocs(site: FastifyInstance) {
  redocBundle ??= asset(readRedocBundle())
  const bundle = redocBundle
  // The bundle's URL names its content, so a browser keeps it for a year and a new version is a new URL.
  const scriptPath = `${API_DOCS_PATH}/redoc.standalone.${bundle.etag.slice(1, 13)}.js`
  const page = asset(Buffer.from(docsPage(scriptPath)))
  const index = JSON.stringify({
    name: 'Plinth API',
    openapi: OPENAPI_PATH,
    docs: API_DOCS_PATH,
    v1: `${API_BASE_PATH}/`,
  })
  const indexEtag = etagOf(index)

  site.get('/api', { schema: { hide: true } }, async (request, reply) => {
    vary(reply, 'accept')
    if (wantsHtml(request)) return reply.redirect(API_DOCS_PATH, 302)
    reply.header('etag', indexEtag).header('cache-control', 'public, max-age=0, must-revalidate')
    if (ifNoneMatch(request.headers['if-none-match'], indexEtag)) return reply.code(304).send()
    return reply.type('application/json; charset=utf-8').send(index)
  })

  site.get(API_DOCS_PATH, { schema: { hide: true }, compress: false }, async (request, reply) => {
    const sitePolicy = reply.getHeader('content-security-policy') ?? reply.raw.getHeader('content-security-policy')
    if (typeof sitePolicy === 'string') reply.header('content-security-policy', docsContentSecurityPolicy(sitePolicy))
    return sendAsset(request, reply, page, 'text/html; charset=utf-8', 'public, max-age=0, must-revalidate')
  })

  site.get(scriptPath, { schema: { hide: true }, compress: false }, async (request, reply) =>
    sendAsset(request, reply, bundle, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'),
  )
}
