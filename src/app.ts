import { constants as zlib } from 'node:zlib'
import compress from '@fastify/compress'
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify'
import type { Config } from '#core/config.ts'
import type { Database } from '#core/db/database.ts'
import { registerErrorHandlers, serviceUnavailable } from '#core/http/errors.ts'
import { registerHealth } from '#core/http/health.ts'
import { registerMetrics } from '#core/http/metrics.ts'
import { requestIdFrom } from '#core/http/request-id.ts'
import type { Lifecycle } from '#core/lifecycle.ts'
import { loggerOptions } from '#core/log/logger.ts'
import { settingsRoutes } from './features/settings/settings.routes.ts'

export type AppDeps = {
  config: Config
  database: Database
  lifecycle: Lifecycle
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served while the app is still starting (health, readiness, metrics). */
    probe?: boolean
  }
}

/** One log line per request ("request completed", with status and time) instead of two. */
class OneLinePerRequest extends LogController {
  override incomingRequest() {}
}

export const BODY_LIMIT_BYTES = 1024 * 1024

/**
 * Builds the whole app without listening: core first, then features, in the
 * order below. Tests call this with their own config and database.
 */
export async function buildApp(deps: AppDeps, options: { logger?: FastifyServerOptions['logger'] } = {}) {
  const { config, database, lifecycle } = deps
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    genReqId: requestIdFrom,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // --- core ---------------------------------------------------------------
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    if (lifecycle.state === 'starting' && !request.routeOptions.config.probe) {
      throw serviceUnavailable('Plinth is starting; try again in a moment.', 2)
    }
  })
  registerErrorHandlers(app)
  await app.register(helmet, {
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
  })
  await app.register(compress, {
    threshold: 1024,
    encodings: ['br', 'gzip'],
    // Brotli's default quality (11) costs milliseconds per response; 4 compresses
    // dynamic pages about as well as gzip -6 at a fraction of the CPU.
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Plinth API',
        version: '1',
        description: 'The JSON API of a Plinth site. Errors are application/problem+json (RFC 9457).',
      },
      servers: [{ url: config.publicUrl }],
    },
  })
  registerMetrics(app)
  registerHealth(app, { database, lifecycle })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  // --- features -----------------------------------------------------------
  settingsRoutes(app, { db: database.db })

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
export type { FastifyInstance }
