import { createHash } from 'node:crypto'
import swagger, { type SwaggerOptions } from '@fastify/swagger'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import type { TSchema } from 'typebox'
import { ERROR_CODES, type ErrorCode } from './error-codes.ts'
import { ifNoneMatch } from './etag.ts'
import { Problem, schemaName } from './schemas.ts'

/**
 * The OpenAPI 3.1 document of /api (decision 0017), built by @fastify/swagger
 * from the routes' own schemas once, at the first GET /api/openapi.json, and
 * kept in memory. Routes declare what is theirs (operationId, tags, summary,
 * the success status, `...problems(...)` for their own errors); `documentRoute`
 * adds what follows from the app's hooks: the security requirement and the
 * 401/403 answers of the auth hooks (from `AUTH_REQUIREMENT` metadata on them),
 * and the answers every /api route can give (400 for bad input, 413/415 for
 * bodies, 429, 500, 503).
 *
 * Named schemas (the convention for every feature): a reusable schema that a
 * client should see by name (Post, User, Media, Problem…) is wrapped in
 * `named('Post', Type.Object(…))` (core/http/schemas.ts; an `$id` works too but
 * breaks serialisation when one answer holds it twice). PascalCase, unique across
 * the app: two different schemas under one name fail the build. Wherever it
 * appears in a response or a body, the document lists it once under
 * `components.schemas.Post` and refers to it with `$ref`; `Page(Post)` is named
 * `PostPage`. Query-string and path schemas stay inline (they become parameters).
 */

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Documents a multipart/form-data body that the handler reads itself
     * (@fastify/multipart; no body schema validates it): an object schema of its
     * parts, a file as `Type.String({ format: 'binary' })`. Only the document reads it.
     */
    multipart?: TSchema
  }
}

/** What an authorisation hook (users/roles.ts) requires: read by the document, set with `describeAuth`. */
export type AuthRequirement = {
  /** How the caller may be signed in: a session cookie (writes also need X-CSRF-Token) and/or an API token. */
  schemes: ('session' | 'bearer')[]
  /** The problem codes the hook itself answers (401/403). */
  codes: ErrorCode[]
  /** Who may call, for the operation's description: "editors and admins". */
  who: string
}

export const AUTH_REQUIREMENT = Symbol.for('plinth.openapi.auth')

/** Marks an onRequest hook with what it requires, for the document. Returns the hook. */
export function describeAuth<Hook extends object>(hook: Hook, requirement: AuthRequirement): Hook {
  Object.defineProperty(hook, AUTH_REQUIREMENT, { value: requirement })
  return hook
}

const authRequirementOf = (hook: unknown): AuthRequirement | undefined =>
  typeof hook === 'function' ? (hook as unknown as { [AUTH_REQUIREMENT]?: AuthRequirement })[AUTH_REQUIREMENT] : undefined

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'Done; no content',
  301: 'Moved permanently',
  302: 'Found elsewhere',
  304: 'Not modified since the ETag sent in If-None-Match',
}

// A named schema in a route's schema is replaced by this marker (the resolver of
// @fastify/swagger would hoist it as `def-N`); `finishDocument` turns markers into $refs.
const REF_MARKER = 'x-plinth-ref'

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

export type OpenApiSetup = {
  /** The site's public URL (the document's server). */
  publicUrl: string
  /** The session cookie's name (security scheme `session`). */
  sessionCookie: string
  /** The tags of the document, in order, with their descriptions. */
  tags: { name: string; description: string }[]
}

/**
 * Registers @fastify/swagger on `site` (before the features, so it sees their
 * routes) and GET /api/openapi.json: the document is built at its first request
 * (not when the app gets ready: a server need not pay for it before its first
 * answer, nor a test app that never asks) and then served from memory as one
 * JSON string with an ETag (304 on a match).
 */
export async function registerOpenApi(site: FastifyInstance, setup: OpenApiSetup) {
  await site.register(swagger, openApiOptions(setup))
  let built: { json: string; etag: string } | undefined
  const document = () => {
    if (!built) {
      const json = JSON.stringify(site.swagger())
      built = { json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` }
    }
    return built
  }
  site.get('/api/openapi.json', { schema: { hide: true } }, async (request, reply) => {
    const { json, etag } = document()
    reply.header('etag', etag).header('cache-control', 'public, max-age=0, must-revalidate')
    if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('application/json; charset=utf-8').send(json)
  })
}

/**
 * The @fastify/swagger options: the document's frame (info, security schemes,
 * tags), the per-route transform and the final pass over the whole document.
 */
export function openApiOptions(setup: OpenApiSetup): SwaggerOptions {
  const named = new Map<string, Json>()
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Plinth API',
        version: '1',
        description: [
          'The JSON API of a Plinth site. Every error is application/problem+json (RFC 9457) with a stable `code` to branch on;',
          'each operation lists the codes it can answer. Sign in with a session cookie (POST /api/v1/auth/login; a write',
          'also sends the session’s CSRF token from GET /api/v1/auth/csrf in X-CSRF-Token) or send a personal API token',
          'as `Authorization: Bearer …` (scoped read, write or admin). Lists are paged with `limit` and an opaque `cursor`',
          '(`next_cursor` of the previous page). Every /api route is rate limited per client.',
        ].join(' '),
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the document is served by the site it describes (PUBLIC_URL, named in the description).
      servers: [{ url: '/', description: `This Plinth site (${setup.publicUrl})` }],
      tags: setup.tags,
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: setup.sessionCookie,
            description:
              'The session cookie set by POST /api/v1/auth/login (HttpOnly; SameSite=Lax unless SESSION_COOKIE_SAMESITE says otherwise; Secure on an https PUBLIC_URL).',
          },
          csrf: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: 'With the session cookie on writes (POST, PUT, PATCH, DELETE): the token from GET /api/v1/auth/csrf.',
          },
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A personal API token (POST /api/v1/tokens), scoped: read for GET, write for changes, admin for admin routes.',
          },
        },
      },
    },
    transform: ({ schema, url, route }) => ({ schema: documentRoute(schema, url, route, named), url }),
    transformObject: (document) => finishDocument(('openapiObject' in document ? document.openapiObject : {}) as Json, named) as never,
  }
}

/**
 * One route's schema as the document shows it (the route's own schema is not
 * changed: validation and serialisation keep using it).
 */
export function documentRoute(
  schema: FastifySchema | undefined,
  url: string,
  route: RouteOptions,
  named: Map<string, Json>,
): FastifySchema {
  if (schema === undefined) return {}
  if (!url.startsWith('/api/') || (schema as { hide?: boolean }).hide) return schema
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  const unsafe = methods.some((method) => UNSAFE.has(method))
  const hooks = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
  const auth = hooks.map(authRequirementOf).find((requirement) => requirement !== undefined)
  const hasBody = unsafe
  const hasInput =
    schema.body !== undefined ||
    schema.multipart !== undefined ||
    schema.querystring !== undefined ||
    schema.params !== undefined ||
    schema.headers !== undefined

  const responses: Json = {}
  const problemCodes = new Map<number, Set<ErrorCode>>()
  const addCodes = (...codes: ErrorCode[]) => {
    for (const code of codes) {
      const status = ERROR_CODES[code].status
      problemCodes.set(status, (problemCodes.get(status) ?? new Set()).add(code))
    }
  }
  for (const [status, answer] of Object.entries((schema.response ?? {}) as Json)) {
    const codes = problemCodesOf(answer)
    if (codes) addCodes(...codes)
    else responses[status] = documentAnswer(status, answer, named)
  }

  // What every /api route can answer (core/http: NUL refusal, URL errors; the rate limit; the server).
  addCodes('bad_request', 'invalid_url', 'api_token_invalid', 'too_many_requests', 'internal_error', 'service_unavailable')
  if (hasInput) addCodes('validation_failed')
  if (schema.params !== undefined || /[:*]/.test(url)) addCodes('uri_too_long')
  if (hasBody) addCodes('empty_body', 'invalid_json', 'json_too_deep', 'invalid_content_length', 'body_too_large', 'unsupported_media_type')
  // The auth hook (users/login/auth.hooks.ts): a cookie-authenticated write needs the CSRF token and the site's origin.
  if (unsafe) addCodes('csrf_token_missing', 'csrf_token_invalid', 'origin_not_allowed')
  if (auth) addCodes(...auth.codes)
  for (const [status, codes] of [...problemCodes].sort(([a], [b]) => a - b)) responses[status] = problemAnswer([...codes], named)

  const session = unsafe ? { session: [], csrf: [] } : { session: [] }
  const security = auth ? auth.schemes.map((scheme) => (scheme === 'session' ? session : { bearer: [] })) : [{}, session, { bearer: [] }]
  const who = auth ? `Needs ${auth.who}.` : 'Anyone may call this (signing in is optional; a signed-in caller may be shown more).'
  const { multipart, ...rest } = schema
  const body =
    multipart !== undefined
      ? { content: { 'multipart/form-data': { schema: refify(multipart, named) } } }
      : schema.body === undefined
        ? undefined
        : refify(schema.body, named)
  return {
    ...rest,
    ...(body === undefined ? {} : { body }),
    description: schema.description ? `${schema.description}\n\n${who}` : who,
    // A route's own requirement wins (one that checks the caller in its handler).
    security: (schema as { security?: unknown }).security ?? security,
    response: responses,
  } as FastifySchema
}

/** A problem answer's codes, from the `code` union `problems(...)` writes (undefined for another answer). */
function problemCodesOf(answer: unknown): ErrorCode[] | undefined {
  if (!isObject(answer) || !isObject(answer.content)) return undefined
  const media = answer.content['application/problem+json']
  if (!isObject(media) || !isObject(media.schema) || !isObject(media.schema.properties)) return undefined
  const code = media.schema.properties.code
  if (!isObject(code)) return undefined
  const members = Array.isArray(code.anyOf) ? code.anyOf : [code]
  return members
    .map((member) => (isObject(member) ? member.const : undefined))
    .filter((value): value is ErrorCode => typeof value === 'string' && value in ERROR_CODES)
}

function problemAnswer(codes: ErrorCode[], named: Map<string, Json>): Json {
  name(Problem as unknown as Json, named)
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`).join(' '),
    content: {
      'application/problem+json': {
        schema: {
          allOf: [{ [REF_MARKER]: 'Problem' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }],
        },
      },
    },
  }
}

/** A success answer: a description (the schema's, else the status's), its JSON body unless the schema is null. */
function documentAnswer(status: string, answer: unknown, named: Map<string, Json>): Json {
  if (!isObject(answer)) return { description: STATUS_TEXT[status] ?? 'Answer' }
  if (isObject(answer.content)) {
    const content: Json = {}
    for (const [type, media] of Object.entries(answer.content)) {
      content[type] = isObject(media) && isObject(media.schema) ? { ...media, schema: refify(media.schema, named) } : media
    }
    return { ...answer, description: (answer.description as string | undefined) ?? STATUS_TEXT[status] ?? 'Answer', content }
  }
  const id = schemaName(answer)
  const description = (answer.description as string | undefined) ?? `${STATUS_TEXT[status] ?? 'Answer'}${id ? `: ${id}` : ''}`
  if (answer.type === 'null') return { type: 'null', description }
  return { description, content: { 'application/json': { schema: refify(answer, named) } } }
}

/** Registers a named schema (throws when another schema already has its name). */
function name(schema: Json, named: Map<string, Json>): string {
  const id = schemaName(schema) as string
  const known = named.get(id)
  if (known === undefined) {
    named.set(id, schema)
    // Its own named parts are registered (and replaced) when the document is finished.
  } else if (known !== schema && JSON.stringify(known) !== JSON.stringify(schema)) {
    throw new Error(`Two different schemas are named "${id}" ($id): rename one (core/http/openapi.ts)`)
  }
  return id
}

/** A copy of `schema` where each named part ($id) is registered and replaced by a reference marker. */
function refify(schema: unknown, named: Map<string, Json>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => refify(item, named))
  if (!isObject(schema)) return schema
  if (schemaName(schema) !== undefined) return { [REF_MARKER]: name(schema, named) }
  const copy: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : refify(value, named)
  }
  return copy
}

/** A named schema as a component: its named parts referenced, `$id` dropped, `const` as a one-value `enum`. */
function component(schema: Json, named: Map<string, Json>): Json {
  const copy: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id' || key === '$schema') continue
    copy[key] = value
  }
  return convert(refifyChildren(copy, named)) as Json
}

function refifyChildren(schema: Json, named: Map<string, Json>): Json {
  const copy: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : refify(value, named)
  }
  return copy
}

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert)
  if (!isObject(node)) return node
  if (typeof node[REF_MARKER] === 'string') return { $ref: `#/components/schemas/${node[REF_MARKER]}` }
  const copy: Json = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'const') copy.enum = [value]
    else if (key === 'enum' || key === 'default' || key === 'examples') copy[key] = value
    else copy[key] = convert(value)
  }
  return copy
}

/** The last pass: markers become $refs, every named schema a component (sorted by name). */
export function finishDocument(document: Json, named: Map<string, Json>): Json {
  const finished = convert(document) as Json
  const schemas: Json = {}
  // A component may name further schemas while it is converted: repeat until none is new.
  const done = new Set<string>()
  for (let pending = [...named.keys()]; pending.length > 0; pending = [...named.keys()].filter((id) => !done.has(id))) {
    for (const id of pending) {
      done.add(id)
      schemas[id] = component(named.get(id) as Json, named)
    }
  }
  // Tags an operation uses but the setup does not list are listed after the others.
  const tags = Array.isArray(finished.tags) ? [...(finished.tags as { name: string }[])] : []
  for (const path of Object.values(isObject(finished.paths) ? finished.paths : {})) {
    for (const operation of Object.values(isObject(path) ? path : {})) {
      for (const tag of isObject(operation) && Array.isArray(operation.tags) ? operation.tags : []) {
        if (!tags.some((known) => known.name === tag)) tags.push({ name: tag as string })
      }
    }
  }
  const components = isObject(finished.components) ? finished.components : {}
  const sorted = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((id) => [id, schemas[id]]),
  )
  return { ...finished, tags, components: { ...components, schemas: sorted } }
}
