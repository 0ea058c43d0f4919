import { parseCookie } from 'cookie'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AllowedOrigins } from '#core/http/cors.ts'
import { forbidden, unauthorized } from '#core/http/errors.ts'
import type { Deps } from '../../../deps.ts'
import { validateApiToken } from '../tokens/tokens.ts'
import type { ApiScope } from '../users.schemas.ts'
import { SESSION_COOKIE, type SessionUser, tokensEqual, validateSession } from './sessions.ts'

export type SessionActor = { user: SessionUser; via: 'session'; sessionTokenHash: string; csrfToken: string }
export type TokenActor = { user: SessionUser; via: 'token'; tokenId: number; scopes: ApiScope[] }
export type Actor = SessionActor | TokenActor

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: from a Bearer token or the session cookie; null when anonymous. */
    actor: Actor | null
  }
  interface FastifyContextConfig {
    /** A cookie-less unsafe route that browsers call (login, sign-up): refuse other origins. */
    checkOrigin?: boolean
    /**
     * A public action that never acts for the caller (a visitor's form
     * submission, decision 0021): the session cookie is not read, so the
     * request is anonymous and needs no CSRF token; the origin rules of
     * anonymous writes still apply.
     */
    ignoreSession?: boolean
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Resolves `request.actor` from `Authorization: Bearer` (a personal API token)
 * or the session cookie, then enforces CSRF on cookie-authenticated writes: the
 * session's token in X-CSRF-Token and a request from the site's own origin or
 * one of the allowed origins (CORS_ORIGINS and the `cors_origins` setting;
 * Origin / Sec-Fetch-Site, when the browser sends them). Bearer requests carry no
 * ambient credential, so they need no CSRF token. A Bearer header that is not a
 * valid token is a 401, never a silent fall-back to the cookie. Any write to
 * /api/ from a browser on an origin not allowed is a 403 origin_not_allowed
 * (decision 0016).
 */
export function registerAuthHooks(
  app: FastifyInstance,
  deps: Pick<Deps, 'db' | 'config' | 'clock'> & { allowedOrigins: Pick<AllowedOrigins, 'allows'> },
) {
  const siteOrigin = new URL(deps.config.publicUrl).origin
  const fromAllowedOrigin = (request: FastifyRequest) => isAllowedOrigin(request, siteOrigin, deps.allowedOrigins)
  app.decorateRequest('actor', null)

  app.addHook('onRequest', async (request) => {
    const authorization = request.headers.authorization
    if (authorization !== undefined) {
      const match = /^Bearer (\S+)$/i.exec(authorization)
      const found = match ? await validateApiToken(deps.db, match[1] as string, deps.clock()) : null
      if (!found) throw unauthorized('The API token is missing, malformed, expired or revoked.', 'api_token_invalid')
      request.actor = { user: found.user, via: 'token', tokenId: found.tokenId, scopes: found.scopes }
      if (UNSAFE.has(request.method) && request.url.startsWith('/api/') && !(await fromAllowedOrigin(request))) {
        throw forbidden('Requests from this origin may not change anything.', 'origin_not_allowed')
      }
      return
    }
    const header = request.headers.cookie
    const token = header?.includes(SESSION_COOKIE) ? parseCookie(header)[SESSION_COOKIE] : undefined
    if (token && !request.routeOptions.config.ignoreSession) {
      const session = await validateSession(deps.db, token, deps.clock())
      if (session) request.actor = { user: session.user, via: 'session', sessionTokenHash: session.tokenHash, csrfToken: session.csrfToken }
    }
    if (!UNSAFE.has(request.method)) return
    if (request.actor?.via === 'session') {
      if (!(await fromAllowedOrigin(request))) throw forbidden('Requests from this origin may not change anything.', 'origin_not_allowed')
      const sent = request.headers['x-csrf-token']
      if (typeof sent !== 'string' || sent === '') {
        throw forbidden('Missing CSRF token: send the token from GET /api/v1/auth/csrf in the X-CSRF-Token header.', 'csrf_token_missing')
      }
      if (!tokensEqual(sent, request.actor.csrfToken)) {
        throw forbidden('Wrong CSRF token: send the token from GET /api/v1/auth/csrf in the X-CSRF-Token header.', 'csrf_token_invalid')
      }
    } else if (request.routeOptions.config.checkOrigin && !(await fromAllowedOrigin(request))) {
      throw forbidden('Requests from this origin may not sign in or sign up.', 'origin_not_allowed')
    } else if (request.url.startsWith('/api/') && !(await fromAllowedOrigin(request))) {
      throw forbidden('Requests from this origin may not change anything.', 'origin_not_allowed')
    }
  })
}

// Browsers send Origin on cross-origin and on same-origin POSTs, and
// Sec-Fetch-Site everywhere modern; scripts and servers usually send neither,
// and they cannot ride a victim's cookies, so their absence is allowed. An
// allowed origin (http://localhost:5173 calling http://localhost:3000 is
// `same-site`, a front end elsewhere `cross-site`) is accepted by its Origin.
async function isAllowedOrigin(request: FastifyRequest, siteOrigin: string, allowed: Pick<AllowedOrigins, 'allows'>): Promise<boolean> {
  const origin = request.headers.origin
  if (typeof origin === 'string' && origin !== siteOrigin) return allowed.allows(origin)
  const fetchSite = request.headers['sec-fetch-site']
  return typeof fetchSite !== 'string' || fetchSite === 'same-origin' || fetchSite === 'none'
}
