import type { Writable } from 'node:stream'
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
import type { Config } from '../config.ts'
import { serializeError } from './serialize-error.ts'

/**
 * pino options: JSON lines by default, readable lines with LOG_FORMAT=pretty (or a
 * terminal in development). `stream` sends the lines there instead (tests read them).
 */
export function loggerOptions(config: Pick<Config, 'logLevel' | 'logPretty'>, stream?: Writable): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    // Credentials never reach the log.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: {
      // The path only: query strings can carry tokens (`/admin/setup?token=…`, reset links).
      req: (request: { method: string; url: string }) => ({ method: request.method, path: pathOf(request.url) }),
      // Errors without the values they carry: a database error keeps its SQLSTATE, never the statement's parameters.
      err: serializeError,
    },
    ...(stream
      ? { stream }
      : config.logPretty
        ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
        : {}),
  }
}

/** A request's path without its query string. */
const pathOf = (url: string) => {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/** Who made a request, for the log: a user id, or null when anonymous. Core knows no users; app.ts says how to find one. */
export type ActorIdOf = (request: FastifyRequest) => number | null

/**
 * One log line per request (issue 8), written when the response has gone:
 * `{ reqId, method, route, path, status, ms, actor }` with the message
 * "request completed" ("request errored", level error, when the response
 * stream failed). `route` is the route's pattern (`/blog/:slug`), null when no
 * route matched; `path` never has the query string. Fastify's own
 * "incoming request" and "Route … not found" lines are dropped: this line says it.
 */
export class RequestLog extends LogController {
  readonly #actorIdOf: ActorIdOf

  constructor(actorIdOf: ActorIdOf) {
    super()
    this.#actorIdOf = actorIdOf
  }

  override incomingRequest() {}

  override routeNotFound() {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (this.isLogDisabled(request)) return
    const line = {
      method: request.method,
      route: request.is404 ? null : (request.routeOptions.url ?? null),
      path: pathOf(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      actor: this.#actorIdOf(request),
    }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
