import { type Static, Type } from 'typebox'
import { invalid } from '#core/http/errors.ts'
import { Id, named, PageQuery, QueryString } from '#core/http/schemas.ts'
import { AUDIT_EVENTS } from './audit.ts'

/** A user's role, lowest to highest: member, author, editor, admin (roles.ts ranks them). Defined here only. */
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('author'), Type.Literal('member')])
export type Role = Static<typeof Role>

/** What an API token may do: read for reads, write for changes, admin for admin routes (roles.ts). Defined here only. */
export const ApiScope = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')])
export type ApiScope = Static<typeof ApiScope>

/**
 * A display name (issue 9, item 4): shown on posts and in the admin, so one
 * line of plain text. No control characters or line breaks (no header or
 * paragraph injection) and nothing that reads as a link: no `scheme://`, no
 * `www.`, no `word.tld` at a word's end (mail clients and chat previews turn
 * those into links, which a sign-up could aim at someone else's inbox).
 * "Dr.Smith" is therefore refused; "Dr. Smith" is fine.
 */
export const DISPLAY_NAME_PATTERN =
  '^(?!.*(?:://|[wW]{3}\\.|[\\p{L}\\p{N}]\\.\\p{L}{2,}(?:$|[\\s/:?#@])))[^\\p{Cc}\\u2028\\u2029]*\\S[^\\p{Cc}\\u2028\\u2029]*$'
const displayNameRegExp = new RegExp(DISPLAY_NAME_PATTERN, 'u')
export const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: DISPLAY_NAME_PATTERN })

/** The service's own check of a display name (the schema's rule, for callers that skip HTTP); throws a 400 naming `name`. */
export function assertDisplayName(name: string) {
  if (name.length < 1 || name.length > 100 || !displayNameRegExp.test(name)) {
    throw invalid([{ field: 'name', in: 'body', message: 'must be one line of text without links' }])
  }
}

export const ApiToken = named(
  'ApiToken',
  Type.Object(
    {
      id: Type.Integer(),
      name: Type.String(),
      prefix: Type.String({ description: 'the first characters, to recognise a token' }),
      scopes: Type.Array(ApiScope),
      expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      revoked: Type.Boolean(),
      created_at: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
)

export const ApiTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    scopes: Type.Array(ApiScope, { minItems: 1, maxItems: 3 }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    current_password: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'needed unless the session signed in within the last 10 minutes' }),
    ),
  },
  { additionalProperties: false },
)

export const UserListQuery = QueryString({
  ...PageQuery,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  role: Type.Optional(Role),
})

export const UserAccessBody = Type.Object(
  { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
)

export const AuditEntry = named(
  'AuditEntry',
  Type.Object({
    id: Type.Integer(),
    event: Type.String(),
    user_id: Type.Union([Type.Integer(), Type.Null()]),
    actor_id: Type.Union([Type.Integer(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown()),
    created_at: Type.String({ format: 'date-time' }),
  }),
)

export const AuditQuery = QueryString({
  ...PageQuery,
  user_id: Type.Optional(Id),
  event: Type.Optional(Type.Union(AUDIT_EVENTS.map((event) => Type.Literal(event)))),
})
