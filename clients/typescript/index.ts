// The typed client of the Plinth API (decision 0018): openapi-fetch over the
// types that `npm run client` generates from the API's OpenAPI document
// (schema.ts). Copy this folder into a front end and `npm install openapi-fetch`;
// README.md ("For front-end developers") walks through it.
//
//   const plinth = createPlinthClient({ baseUrl: 'http://localhost:3000' })
//   const { data, error } = await plinth.GET('/api/v1/posts', { params: { query: { limit: 10 } } })
//
// Every call answers `{ data, error, response }`: `data` typed by the
// operation's success answer, `error` by its problem+json answers (branch on
// `error.code`), never a thrown HTTP error.
import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema.ts'

export type { components, operations, paths } from './schema.ts'

/** The API's named schemas: `Schemas['Post']`, `Schemas['User']`, `Schemas['Problem']`… */
export type Schemas = components['schemas']
/** An error answer (application/problem+json, RFC 9457): branch on `code`; `errors[]` names bad fields. */
export type Problem = components['schemas']['Problem']
export type PlinthClient = Client<paths>

export type PlinthClientOptions = {
  /** The site's origin, such as `http://localhost:3000` (the paths of calls start with `/api/v1/`). */
  baseUrl: string
  /**
   * A personal API token (POST /api/v1/tokens), sent as `Authorization: Bearer`.
   * Without one the client is in cookie mode: the browser's session cookie
   * signs the calls in, and writes carry the session's CSRF token.
   */
  token?: string
  /**
   * Whether the browser sends cookies: `include` (the default in cookie mode)
   * also to another origin, which the site must allow (CORS_ORIGINS);
   * `same-origin` only to the page's own origin; `omit` (the default with a token) never.
   */
  credentials?: Credentials
  /** Another fetch (tests, server-side rendering); `globalThis.fetch` by default. */
  fetch?: (request: Request) => Promise<Response>
}

/** fetch's `credentials` (RequestCredentials in a browser's DOM types). */
type Credentials = NonNullable<RequestInit['credentials']>

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
export const CSRF_TOKEN_PATH = '/api/v1/auth/csrf'

/**
 * A client for one Plinth site. With `token`, every call sends it as a Bearer
 * token (no cookies, no CSRF). Without, calls ride the session cookie, and each
 * write (POST, PUT, PATCH, DELETE) sends `X-CSRF-Token`: the token is fetched
 * from GET /api/v1/auth/csrf before the first write and kept; it is fetched
 * again after a write under /api/v1/auth/ (signing in or out, a new password
 * or address: each starts a new session) and after any 403. While signed out
 * there is no token, and writes (signing in) go without one.
 */
export function createPlinthClient(options: PlinthClientOptions): PlinthClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const credentials = options.credentials ?? (options.token === undefined ? 'include' : 'omit')
  const client = createClient<paths>({
    baseUrl,
    fetch,
    credentials,
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  })
  if (options.token === undefined) client.use(csrfTokens(baseUrl, credentials, fetch))
  return client
}

/** Cookie mode's middleware: X-CSRF-Token on writes (see createPlinthClient). */
function csrfTokens(baseUrl: string, credentials: Credentials, fetch: (request: Request) => Promise<Response>): Middleware {
  let token: Promise<string | undefined> | undefined
  const fetchToken = async () => {
    const response = await fetch(new Request(`${baseUrl}${CSRF_TOKEN_PATH}`, { credentials }))
    // 401: not signed in, so nothing needs a token yet.
    if (!response.ok) return undefined
    return ((await response.json()) as { token: string }).token
  }
  return {
    async onRequest({ request }) {
      if (!UNSAFE.has(request.method)) return undefined
      token ??= fetchToken().catch((error: unknown) => {
        token = undefined
        throw error
      })
      const value = await token
      if (value !== undefined) request.headers.set('x-csrf-token', value)
      return request
    },
    onResponse({ request, response, schemaPath }) {
      if (UNSAFE.has(request.method) && (schemaPath.startsWith('/api/v1/auth/') || response.status === 403)) token = undefined
      return undefined
    },
  }
}

/**
 * A multipart body (POST /api/v1/media) as FormData, for openapi-fetch's
 * `bodySerializer`: `plinth.POST('/api/v1/media', { body: { file, alt }, bodySerializer: formData })`.
 * A File keeps its name; a Blob is sent as `upload`.
 */
export function formData(body: Record<string, unknown>): FormData {
  const form = new FormData()
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue
    if (value instanceof Blob) form.append(name, value, value instanceof File ? value.name : 'upload')
    else form.append(name, String(value))
  }
  return form
}
