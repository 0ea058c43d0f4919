import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
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

const SCHEMA_NAME = Symbol.for('plinth.schema.name')

/**
 * Names a reusable schema for the OpenAPI document (decision 0017): wherever it
 * appears in a response or a body, the document lists it once under
 * `components.schemas[name]` and refers to it. PascalCase, unique across the app
 * (two different schemas under one name fail the build). The name is a symbol on
 * the schema object, invisible to validation and serialisation — unlike `$id`,
 * which fast-json-stringify refuses when one schema holds the same `$id` twice
 * (`tags` and `categories` both of one Term schema). A copy (`{ ...Post }`) is unnamed.
 */
export function named<Schema extends TSchema>(name: string, schema: Schema): Schema {
  Object.defineProperty(schema, SCHEMA_NAME, { value: name, enumerable: false })
  return schema
}

/** The name given with `named` (or an `$id`), if any. */
export function schemaName(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  const name = (schema as { [SCHEMA_NAME]?: string })[SCHEMA_NAME] ?? (schema as { $id?: unknown }).$id
  return typeof name === 'string' && !name.startsWith('#') ? name : undefined
}

/** The schema of an answer without a body: `response: { 204: NoContent('Signed out') }`, answered with `reply.code(204).send(null)`. */
export const NoContent = (description: string) => Type.Null({ description })

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
 * A page of a named item (`named('Post', …)`) is named too (`PostPage`).
 */
export const Page = <Item extends TSchema>(item: Item) => {
  const page = Type.Object({
    data: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
    total: Type.Optional(
      Type.Integer({ minimum: 0, description: 'with `?include_total=true`: the items the filters select, on all pages' }),
    ),
  })
  const name = schemaName(item)
  return name === undefined ? page : named(`${name}Page`, page)
}

/** One invalid field of a request: its name (dotted path), where it was (body, querystring, params) and what is wrong. */
export const FieldError = named('FieldError', Type.Object({ field: Type.String(), in: Type.String(), message: Type.String() }))
export type FieldError = Static<typeof FieldError>

/** The body of every error answer under /api (application/problem+json, RFC 9457), built by core/http/errors.ts. */
export const Problem = named(
  'Problem',
  Type.Object({
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'a stable code, such as not_found or validation_failed' }),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(FieldError)),
  }),
)
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
