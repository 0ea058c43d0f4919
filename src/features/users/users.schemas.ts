import { type Static, Type } from 'typebox'
import { Id, PageQuery, QueryString } from '#core/http/schemas.ts'
import { AUDIT_EVENTS } from './audit.ts'

/** A user's role, lowest to highest: member, author, editor, admin (roles.ts ranks them). Defined here only. */
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('author'), Type.Literal('member')])
export type Role = Static<typeof Role>

/** What an API token may do: read for reads, write for changes, admin for admin routes (roles.ts). Defined here only. */
export const ApiScope = Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')])
export type ApiScope = Static<typeof ApiScope>

export const ApiToken = Type.Object(
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
)

export const ApiTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    scopes: Type.Array(ApiScope, { minItems: 1, maxItems: 3 }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)

export const UserListQuery = QueryString({ ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) })

export const UserAccessBody = Type.Object(
  { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
)

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  event: Type.String(),
  user_id: Type.Union([Type.Integer(), Type.Null()]),
  actor_id: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
})

export const AuditQuery = QueryString({
  ...PageQuery,
  user_id: Type.Optional(Id),
  event: Type.Optional(Type.Union(AUDIT_EVENTS.map((event) => Type.Literal(event)))),
})
