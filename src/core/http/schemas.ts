import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import { type Static, type TObject, type TProperties, type TSchema, Type } from 'typebox'
import { ERROR_CODES, type ErrorCode } from './error-codes.ts'

/**
 * The Fastify instance every feature's routes receive: with the TypeBox type
 * provider, `request.body`, `request.query` and `request.params` are typed from
 * the route's schema, so handlers never cast them (issue 8; a test in
 * typed-routes.test.ts keeps it so). The plain `FastifyInstance` would lose the
 * provider that buildApp sets with `withTypeProvider`.
 */
export type AppInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

/** A row id: a positive integer that JavaScript holds exactly. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
export const IdParams = Type.Object({ id: Id })

/**
 * A query-string schema (unknown parameters are a 400). A property with a
 * `default` may be left out by clients (it is not in `required`, so the OpenAPI
 * document shows it optional) and is typed as always present, because
 * validation fills it in (Ajv `useDefaults`, core/http/validation.ts).
 */
export function QueryString<Properties extends TProperties>(properties: Properties): TObject<Properties> {
  const schema = Type.Object(properties, { additionalProperties: false })
  const required = (schema.required as string[]).filter((key) => !('default' in (properties[key] as TSchema)))
  // The schema object is ours (just built): set `required` to what a client must send.
  const writable = schema as { required?: string[] }
  if (required.length > 0) writable.required = required
  else delete writable.required
  return schema
}

/** `limit` and `cursor` for every list (cursor pagination, `next_cursor`); spread into a `QueryString`. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  // A cursor carries its row's sort key (core/http/pagination.ts): a 200-character title, escaped and base64url, stays under 2 KiB.
  cursor: Type.Optional(Type.String({ maxLength: 2048 })),
}

/**
 * `include_total` for a list that can count (spread into its `QueryString`
 * with PageQuery): `true` adds `total` to the page, a second statement that
 * runs only when asked (decision 0019). Lists that cannot count leave it out.
 */
export const TotalQuery = {
  include_total: Type.Boolean({
    default: false,
    description: 'true: the page carries `total`, the number of items the filters select on all pages (counted on each request)',
  }),
}

/**
 * A page of a list: its items, the cursor of the next page (null on the last)
 * and, for lists that offer `include_total` (TotalQuery), the count when asked.
 */
export const Page = <Item extends TSchema>(item: Item) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    total: Type.Optional(
      Type.Integer({ minimum: 0, description: 'with `?include_total=true`: the items the filters select, on all pages' }),
    ),
  })

/** One invalid field of a request: its name (dotted path), where it was (body, querystring, params) and what is wrong. */
export const FieldError = Type.Object({ field: Type.String(), in: Type.String(), message: Type.String() })
export type FieldError = Static<typeof FieldError>

/** The body of every error answer under /api (application/problem+json, RFC 9457), built by core/http/errors.ts. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'a stable code, such as not_found or validation_failed' }),
  request_id: Type.String(),
  errors: Type.Optional(Type.Array(FieldError)),
})
export type Problem = Static<typeof Problem>

/**
 * The problem+json answers a route gives besides the ones every route of its
 * kind gets (the document adds those: validation, authentication, rate limit),
 * by code: spread into the route's `response`, e.g.
 * `response: { 201: Post, ...problems('conflict', 'not_found') }`.
 * Codes of one status share one entry whose `code` lists them. Errors are sent
 * as strings (core/http/errors.ts), so these schemas only document.
 */
export function problems(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) {
    const status = ERROR_CODES[code].status
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const responses: Record<number, { description: string; content: Record<string, { schema: TSchema }> }> = {}
  for (const [status, list] of byStatus) {
    responses[status] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`).join(' '),
      content: {
        'application/problem+json': {
          schema: Type.Object({ ...Problem.properties, code: Type.Union(list.map((code) => Type.Literal(code))) }),
        },
      },
    }
  }
  return responses
}

/**
 * The @fastify/swagger `transform`: documents the problem+json answers (4XX and
 * 5XX) of every /api route from the one Problem schema. Only the OpenAPI
 * document changes; core/http/errors.ts writes the answers themselves.
 */
export function documentProblems({ schema, url }: { schema: FastifySchema | undefined; url: string }) {
  if (schema === undefined || !url.startsWith('/api/')) return { schema: schema ?? {}, url }
  const problem = { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: Problem } } }
  const response = typeof schema.response === 'object' && schema.response !== null ? schema.response : {}
  return { schema: { ...schema, response: { ...response, '4XX': problem, '5XX': problem } }, url }
}
