import { constants as zlib } from 'node:zlib'
import compress from '@fastify/compress'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { privateApiCacheControl } from '#core/http/api-cache-control.ts'
import { registerApiDocs } from '#core/http/api-docs.ts'
import { BROTLI_QUALITY_PER_RESPONSE, COMPRESS_FROM_BYTES } from '#core/http/compression.ts'
import { registerCors } from '#core/http/cors.ts'
import { registerErrorHandler, registerNotFoundHandler, serviceUnavailable } from '#core/http/errors.ts'
import { registerHealth } from '#core/http/health.ts'
import { refuseNulInUrl, registerJsonBodyParser } from '#core/http/json-body.ts'
import { createMetrics } from '#core/http/metrics.ts'
import { registerOpenApi } from '#core/http/openapi.ts'
import { requestIdFrom } from '#core/http/request-id.ts'
import { registerResponseCache } from '#core/http/response-cache.ts'
import { securityHeadersFor } from '#core/http/security-headers.ts'
import { registerValidation } from '#core/http/validation.ts'
import type { Lifecycle } from '#core/lifecycle.ts'
import { loggerOptions, RequestLog } from '#core/log/logger.ts'
import { registerRateLimit } from '#core/security/rate-limit.ts'
import type { Deps } from './deps.ts'
import { adminUiRoutes } from './features/admin-ui/admin-ui.routes.ts'
import { dashboardRoutes } from './features/admin-ui/dashboard.routes.ts'
import { contentRoutes } from './features/content/content.routes.ts'
import { formsRoutes } from './features/forms/forms.routes.ts'
import { mediaRoutes } from './features/media/media.routes.ts'
import { productRoutes } from './features/products/products.routes.ts'
import { searchRoutes } from './features/search/search.routes.ts'
import { settingsRoutes } from './features/settings/settings.routes.ts'
import { getCorsOrigins } from './features/settings/settings.service.ts'
import { siteRoutes } from './features/site/site.routes.ts'
import { loadTheme } from './features/site/theme.ts'
import { systemRoutes } from './features/system/system.routes.ts'
import { usersRoutes } from './features/users/admin/users.routes.ts'
import { invitationsRoutes } from './features/users/invitations/invitations.routes.ts'
import { registerAuthHooks } from './features/users/login/auth.hooks.ts'
import { authRoutes } from './features/users/login/auth.routes.ts'
import { sessionsRoutes } from './features/users/login/sessions.routes.ts'
import { SESSION_COOKIE } from './features/users/login/sessions.ts'
import { registerUsersMail } from './features/users/recovery/users.mail.ts'
import { webhooksRoutes } from './features/webhooks/webhooks.routes.ts'

export type AppDeps = Deps & { lifecycle: Lifecycle }

export const BODY_LIMIT_BYTES = 1024 * 1024

/**
 * Builds the whole app without listening. Tests call this with their own
 * config and database and may add routes before the first request.
 *
 * Two scopes (ARCHITECTURE.md): the root holds the error handlers and the
 * probes (/healthz, /readyz, /metrics, in a small scope of their own with the
 * security headers), which a load balancer and Prometheus call all day and
 * which need none of the site's other hooks; the `site` scope adds
 * request ids, the starting gate, security headers, compression and request
 * metrics, then registers the features in the order listed.
 */
export type BuildOptions = {
  logger?: FastifyServerOptions['logger']
  /** A logger made before the app (the server logs from its first line); replaces `logger`. */
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** Serve on a server made before the app (the server listens before loading it, issue 8); Fastify makes its own otherwise. */
  serverFactory?: FastifyServerOptions['serverFactory']
  /** Adds routes to the site scope after the features: for tests and test fixtures only. */
  extend?: (site: FastifyInstance) => void
  /** An onResponse hook on every route of the site scope, added before any other: tests record the statuses they see (test/app.ts). */
  observeResponse?: (request: FastifyRequest, reply: FastifyReply) => void
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}) {
  const { config, database, lifecycle } = deps
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? loggerOptions(config) }),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    genReqId: requestIdFrom,
    // One line per request: method, route pattern, path without the query, status, ms, actor id.
    logController: new RequestLog((request) => request.actor?.user.id ?? null),
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip (the login limits' keys, the audit log's ip) is the client's
    // address only through the proxies TRUST_PROXY names (README, decision 0015).
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Slugs may be 200 characters (Fastify's default limit, 100, would answer 414 to a long one).
    routerOptions: { maxParamLength: 256 },
  }).withTypeProvider<TypeBoxTypeProvider>()

  registerErrorHandler(app)
  registerValidation(app)
  registerJsonBodyParser(app)
  // A NUL in the path or query is a 400 before any route or the database sees it (issue 9, item 6).
  app.addHook('onRequest', refuseNulInUrl)
  const metrics = createMetrics()
  // The probes get the same security headers as everything else (written out once, not helmet's hooks:
  // core/http/security-headers.ts), and nothing else of the site scope.
  const probeHeaders = securityHeadersFor(config.publicUrl)
  await app.register(async (probes) => {
    probes.addHook('onRequest', (_request, reply, done) => {
      reply.headers(probeHeaders)
      done()
    })
    registerHealth(probes, { database, lifecycle, metrics, metricsToken: config.metricsToken })
  })
  // The probes and the API's own document (/api/openapi.json; every feature's API is under /api/v1).
  deps.paths.reserve('core', ['healthz', 'readyz', 'metrics', 'api'])

  await app.register(async (site) => {
    const observe = options.observeResponse
    if (observe) site.addHook('onResponse', async (request, reply) => observe(request, reply))
    site.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id)
      if (lifecycle.state === 'starting') done(serviceUnavailable('Plinth is starting; try again in a moment.', 2))
      else done()
    })
    site.addHook('onResponse', metrics.observeRequest)
    await site.register(helmet, securityHeaders(config))
    // CORS on /api/ (CORS_ORIGINS + the cors_origins setting; decision 0016): before the rate limit and the auth hook.
    const allowedOrigins = await registerCors(site, { config, changes: deps.changes, storedOrigins: () => getCorsOrigins(deps.db) })
    // The per-client limit on /api/ (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S; decision 0015).
    await registerRateLimit(site, deps)
    // Signed-in callers' API answers are theirs alone: private, no-store (issue 9, item 8).
    site.addHook('onSend', privateApiCacheControl)
    await site.register(compress, {
      threshold: COMPRESS_FROM_BYTES,
      encodings: ['br', 'gzip'],
      brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY_PER_RESPONSE } },
      // Compress pages up to 128 KiB in one synchronous call (~0.1-0.6 ms at quality 2)
      // rather than through a zlib stream: on two CPUs the plugin's default (8 KiB) sent
      // every page through a stream, which cost more CPU than the compression itself.
      syncThreshold: 128 * 1024,
    })
    // The API's document (/api/openapi.json, built once when ready; decision 0017): before the features, to see their routes.
    await registerOpenApi(site, { publicUrl: config.publicUrl, sessionCookie: SESSION_COOKIE, tags: API_TAGS })
    // GET /api (an index) and the browsable reference at /api/docs (Redoc from node_modules, read once; decision 0018).
    registerApiDocs(site)

    // --- features, in order ------------------------------------------------
    registerAuthHooks(site, { ...deps, allowedOrigins })
    // Anonymous GETs of the routes that opt in, from memory until the next change (decision 0024): after the auth hook.
    registerResponseCache(site, {
      cache: deps.responseCache,
      changes: deps.changes,
      onError: (error) => site.log.warn({ err: error }, 'response cache: change feed not read; nothing kept until it is'),
    })
    registerUsersMail(deps.mail)
    settingsRoutes(site, deps)
    authRoutes(site, deps)
    // The admin UI at /admin (the shell and its built assets, the setup link's screen; decision 0023).
    adminUiRoutes(site, deps)
    dashboardRoutes(site, deps)
    usersRoutes(site, deps)
    sessionsRoutes(site, deps)
    invitationsRoutes(site, deps)
    systemRoutes(site, deps)
    contentRoutes(site, deps)
    productRoutes(site, deps)
    searchRoutes(site, deps)
    mediaRoutes(site, deps)
    const theme = loadTheme(config.themeDir)
    const forms = await formsRoutes(site, { ...deps, theme })
    webhooksRoutes(site, deps)
    // The public site last: its `/:slug` pages take what no other route matched.
    const publicSite = siteRoutes(site, { ...deps, theme, embedForms: forms.embedForms })
    registerNotFoundHandler(site, publicSite.notFound)

    options.extend?.(site)
  })

  return app
}

/** The document's tags (one per resource), in the order a reader meets them; a feature adds its own here. */
const API_TAGS = [
  { name: 'auth', description: 'Sign-up, sign-in and out, your own account, the CSRF token, two-factor sign-in, password reset.' },
  { name: 'tokens', description: 'Personal API tokens (Bearer), scoped read, write or admin; managed from a browser session.' },
  { name: 'users', description: 'Accounts and roles (admins), and the public author profiles.' },
  { name: 'invitations', description: 'Invitations by e-mail with a role (admins); the invited person accepts with the mailed token.' },
  { name: 'audit', description: 'The audit log of security-relevant events (admins).' },
  { name: 'mail', description: 'Outgoing mail: the outbox of every message sent, kept or failed (admins).' },
  { name: 'jobs', description: 'The background job queue: status, last errors, retrying dead jobs (admins).' },
  { name: 'dashboard', description: 'Counts and recent activity for the admin dashboard (authors and up; more for editors and admins).' },
  { name: 'site', description: 'The public site information and the site settings (admins).' },
  { name: 'posts', description: 'Blog posts: drafts, scheduling, publishing, revisions.' },
  { name: 'pages', description: 'Standalone pages (about, contact…): the same workflow as posts.' },
  { name: 'tags', description: 'Post tags.' },
  { name: 'categories', description: 'Post categories.' },
  { name: 'redirects', description: 'Redirects left by changed slugs.' },
  { name: 'search', description: 'Full-text search of published posts and pages.' },
  { name: 'media', description: 'Uploaded images and files, their variants and metadata.' },
  { name: 'products', description: 'The product catalog: products with variants, prices, stock and images.' },
  { name: 'product-categories', description: 'The tree of product categories.' },
  { name: 'forms', description: 'Forms (editors define them; visitors get a render token and submit).' },
  { name: 'form-submissions', description: 'What visitors sent through a form: list, search, status, CSV export, files.' },
  {
    name: 'webhooks',
    description: 'Signed HTTP callbacks for site events (admins): subscriptions, deliveries and their attempts, redelivery.',
  },
]

/** Helmet's options: CSP, HSTS behind TLS, Referrer-Policy, frame-ancestors (BRIEF: security headers on by default). */
function securityHeaders(config: AppDeps['config']): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        ...(config.publicUrl.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only when the site is served over TLS (behind a proxy that terminates it).
    strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  }
}

export type App = Awaited<ReturnType<typeof buildApp>>
export type { FastifyInstance }
