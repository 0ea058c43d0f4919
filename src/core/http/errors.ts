import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { codeForFrameworkError, ERROR_CODES, type ErrorCode } from './error-codes.ts'
import { renderErrorPage } from './error-page.ts'
import type { FieldError, Problem } from './schemas.ts'

export type { ErrorCode, FieldError }

/**
 * Errors with a stable code (one of ERROR_CODES, error-codes.ts) and a message
 * that is safe to show. Anything else thrown becomes a generic 500 whose cause
 * goes only to the log (STYLE §6).
 */

export class HttpError extends Error {
  readonly status: number
  readonly code: ErrorCode
  readonly fields: FieldError[] | undefined
  readonly headers: Record<string, string> | undefined
  constructor(status: number, code: ErrorCode, message: string, options: { fields?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.fields = options.fields
    this.headers = options.headers
  }
}

export const badRequest = (message: string, code: ErrorCode = 'bad_request') => new HttpError(400, code, message)
export const invalid = (fields: FieldError[], message = 'The request has invalid fields.') =>
  new HttpError(400, 'validation_failed', message, { fields })
export const unauthorized = (message = 'Sign in or send an API token.', code: ErrorCode = 'authentication_required') =>
  new HttpError(401, code, message)
export const forbidden = (message = 'You are not allowed to do this.', code: ErrorCode = 'forbidden') => new HttpError(403, code, message)
export const notFound = (what = 'resource', id?: string | number) =>
  new HttpError(
    404,
    'not_found',
    id === undefined ? `The ${what} was not found.` : `The ${what} ${JSON.stringify(String(id))} was not found.`,
  )
export const conflict = (message: string, field?: string) =>
  new HttpError(409, 'conflict', message, field ? { fields: [{ field, in: 'body', message }] } : {})
/**
 * Runs `work` and turns a unique violation (SQLSTATE 23505) into a 409 naming
 * `field` (STYLE §6: catch only to translate). Use where one unique index is
 * reachable, so the field is known.
 */
export async function conflictOnUnique<T>(field: string, message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw conflict(message, field)
    throw error
  }
}

export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpError(429, 'too_many_requests', 'Too many requests; try again later.', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  })
export const serviceUnavailable = (message: string, retryAfterSeconds = 5) =>
  new HttpError(503, 'service_unavailable', message, { headers: { 'retry-after': String(retryAfterSeconds) } })

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}
export const statusTitle = (status: number) => STATUS_TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error')

/** Turns whatever was thrown into a status, a stable code, a safe message and field errors. */
function toProblem(error: unknown, requestId: string): Problem {
  if (error instanceof HttpError) {
    return problem(error.status, error.code, error.message, requestId, error.fields)
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) {
    const location = fastifyError.validationContext ?? 'body'
    const fields = fastifyError.validation.map((issue) => {
      const missing = issue.keyword === 'required' ? String((issue.params as { missingProperty?: string }).missingProperty ?? '') : ''
      const extra =
        issue.keyword === 'additionalProperties' ? String((issue.params as { additionalProperty?: string }).additionalProperty ?? '') : ''
      const pointer = [issue.instancePath.replace(/^\//, '').replace(/\//g, '.'), missing || extra].filter(Boolean).join('.')
      return { field: pointer || location, in: location, message: extra ? 'is not an allowed property' : (issue.message ?? 'is invalid') }
    })
    return problem(400, 'validation_failed', 'The request has invalid fields.', requestId, fields)
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, unsupported media type) carry safe
    // messages, but their codes (FST_…) are the framework's: a client gets ours instead.
    const code = codeForFrameworkError(fastifyError.code, status)
    return problem(code === 'client_error' ? status : ERROR_CODES[code].status, code, fastifyError.message, requestId)
  }
  // A backstop for text PostgreSQL cannot store (a NUL: 22021 character_not_in_repertoire,
  // 22P05 untranslatable_character) that slipped past the parsers' checks: the input's fault.
  const sqlState = (error as { code?: unknown }).code
  if (sqlState === '22021' || sqlState === '22P05') {
    return problem(400, 'bad_request', 'The request contains a character that cannot be stored (such as NUL, \\u0000).', requestId)
  }
  return problem(500, 'internal_error', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`, requestId)
}

function problem(status: number, code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  return {
    type: status === 500 ? 'about:blank' : `urn:plinth:problem:${code}`,
    title: statusTitle(status),
    status,
    detail,
    code,
    request_id: requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
  }
}

const wantsProblemJson = (request: FastifyRequest) => request.url.startsWith('/api/') || request.url === '/api'

function send(request: FastifyRequest, reply: FastifyReply, body: Problem) {
  if (wantsProblemJson(request)) {
    return reply.code(body.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(body))
  }
  return reply
    .code(body.status)
    .type('text/html; charset=utf-8')
    .send(
      renderErrorPage(
        body.status,
        body.title,
        body.status >= 500
          ? body.detail
          : body.errors
            ? `${body.detail} ${body.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`
            : body.detail,
      ),
    )
}

/** The one error handler: problem+json under /api, HTML elsewhere. Set on the root scope. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const body = toProblem(error, request.id)
    // A 503 we chose to send (starting, stopping) is expected, not a failure: one warn line, no stack.
    if (error instanceof HttpError && body.status === 503) request.log.warn({ code: body.code }, body.detail)
    else if (body.status >= 500) request.log.error({ err: error }, 'request failed')
    if (error instanceof HttpError && error.headers) reply.headers(error.headers)
    return send(request, reply, body)
  })
}

/**
 * The one not-found handler. Set on the site scope, so that unmatched URLs pass
 * through its hooks. A GET or HEAD outside /api goes to `page` when given (the
 * public site: redirects and the theme's 404 page); everything else gets a problem.
 */
export function registerNotFoundHandler(
  app: FastifyInstance,
  page?: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown,
) {
  app.setNotFoundHandler((request, reply) => {
    if (page && (request.method === 'GET' || request.method === 'HEAD') && !wantsProblemJson(request)) return page(request, reply)
    const path = request.url.split('?')[0] ?? '/'
    return send(request, reply, problem(404, 'not_found', `Nothing is at ${path}.`, request.id))
  })
}
