import fs from 'node:fs'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import { ADMIN_DIST_DIR, readAdminBuild } from './manifest.ts'

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
}

type Encoding = 'br' | 'gzip' | 'identity'

/** The best encoding the client accepts (q > 0) among the precompressed ones: br, then gzip, else none. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  const accepted = new Set<string>()
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='))
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name.trim())
  }
  if (accepted.has('br')) return 'br'
  if (accepted.has('gzip')) return 'gzip'
  return 'identity'
}

const AssetParams = Type.Object({ file: Type.String() })

/**
 * The admin UI (issue 13, decision 0023): a single-page app built by
 * scripts/build-admin.ts into dist/admin/. `/admin` and every `/admin/*` path
 * that is not an asset answer the shell's index.html (the client's router
 * picks the screen; the setup link `/admin/setup?token=…` is one of them);
 * `/admin/assets/<hashed name>` answers a built file, precompressed, cached for
 * a year (its name changes with its content). Only names the build's manifest
 * lists are served, read into memory when the app is built.
 *
 * The shell calls nothing but the documented /api/v1 API. It is not built when
 * dist/admin/ is missing (npm install builds it): then /admin says so with a 503.
 */
export function adminUiRoutes(app: AppInstance, deps: Pick<Deps, 'paths'>, distDir = ADMIN_DIST_DIR) {
  deps.paths.reserve('admin', ['admin'])
  const build = readAdminBuild(distDir)
  // Every listed file, read once at start (a few hundred KB): a rebuild of dist/admin while the
  // server runs cannot leave the index it serves pointing at files that are gone.
  const assets = new Map<string, { type: string; body: Record<Encoding, Buffer> }>()
  for (const file of Object.keys(build?.manifest.files ?? {})) {
    const at = (suffix: string) => fs.readFileSync(path.join(distDir, 'assets', `${file}${suffix}`))
    assets.set(file, {
      type: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      body: { identity: at(''), br: at('.br'), gzip: at('.gz') },
    })
  }

  const shell = (_request: FastifyRequest, reply: FastifyReply) => {
    // No referrer: the setup and password-reset links carry their one-time token in the URL.
    reply.header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer').header('x-robots-tag', 'noindex')
    if (!build) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The admin UI is not built: run `npm run build:admin` (npm install does it).\n')
    }
    return reply.type('text/html; charset=utf-8').send(build.indexHtml)
  }
  app.get('/admin', { schema: { hide: true } }, shell)
  app.get('/admin/*', { schema: { hide: true } }, shell)

  app.get('/admin/assets/:file', { schema: { hide: true, params: AssetParams } }, (request, reply) => {
    const found = assets.get(request.params.file)
    if (!found) return reply.callNotFound()
    const encoding = pickEncoding(request.headers['accept-encoding'])
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'Accept-Encoding').type(found.type)
    if (encoding !== 'identity') reply.header('content-encoding', encoding)
    return reply.send(found.body[encoding])
  })
  // A name with a slash is no asset: 404, not the shell.
  app.get('/admin/assets/*', { schema: { hide: true } }, (_request, reply) => reply.callNotFound())
}
