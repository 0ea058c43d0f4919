import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import type { Role } from './users.schemas.ts'

export type UserRow = {
  id: number
  email: string
  name: string
  password_hash: string
  role: Role
  email_verified_at: Date | null
  disabled_at: Date | null
  created_at: Date
  updated_at: Date
}

const USER_COLUMNS = sql`id, email, name, password_hash, role, email_verified_at, disabled_at, created_at, updated_at`

/** The user of alias `u` as one JSON column, for queries that join it (sessions, API tokens). */
export const USER_AS_JSON = sql`json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
  'email_verified_at', u.email_verified_at, 'disabled_at', u.disabled_at,
  'created_at', u.created_at, 'updated_at', u.updated_at)`

export type SafeUser = Omit<UserRow, 'password_hash'>

/** A user read through USER_AS_JSON: JSON gives timestamps as strings. */
export function userFromJson(user: SafeUser): SafeUser {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value))
  return {
    id: Number(user.id),
    email: user.email,
    name: user.name,
    role: user.role,
    email_verified_at: date(user.email_verified_at),
    disabled_at: date(user.disabled_at),
    created_at: date(user.created_at) as Date,
    updated_at: date(user.updated_at) as Date,
  }
}

export const findUserById = (db: Db, id: number) =>
  sql<UserRow>`select ${USER_COLUMNS} from users where id = ${id}`.execute(db).then((r) => r.rows[0])

export const findUserByEmail = (db: Db, email: string) =>
  sql<UserRow>`select ${USER_COLUMNS} from users where lower(email) = lower(${email})`.execute(db).then((r) => r.rows[0])

export const insertUser = (db: Db, user: { email: string; name: string; passwordHash: string; role: Role }) =>
  sql<UserRow>`insert into users (email, name, password_hash, role)
    values (${user.email}, ${user.name}, ${user.passwordHash}, ${user.role})
    returning ${USER_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as UserRow)

export const updateUserProfile = (db: Db, id: number, changes: { name: string; email: string; emailVerified: boolean }) =>
  sql<UserRow>`update users set name = ${changes.name}, email = ${changes.email},
      email_verified_at = case when ${changes.emailVerified} then email_verified_at else null end,
      updated_at = now()
    where id = ${id} returning ${USER_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as UserRow)

export const updatePasswordHash = (db: Db, id: number, passwordHash: string) =>
  sql`update users set password_hash = ${passwordHash}, updated_at = now() where id = ${id}`.execute(db)

/** The users list's order: newest first, by id (the primary key). */
export const USER_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** Users newest first, optionally matching `q` in email or name and of one role; only the filters given are in the statement (decision 0013). */
export function listUsers(db: Db, options: { limit: number; after?: Cursor; q?: string; role?: Role }) {
  const order = keyset(USER_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.q !== undefined)
    where.push(sql`(strpos(lower(email), lower(${options.q})) > 0 or strpos(lower(name), lower(${options.q})) > 0)`)
  if (options.role !== undefined) where.push(sql`role = ${options.role}`)
  return sql<UserRow>`select ${USER_COLUMNS} from users where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const updateUserAccess = (db: Db, id: number, changes: { role: Role; disabled: boolean }) =>
  sql<UserRow>`update users set role = ${changes.role},
      disabled_at = case when ${changes.disabled} then coalesce(disabled_at, now()) else null end, updated_at = now()
    where id = ${id} returning ${USER_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as UserRow)

export const countOtherActiveAdmins = (db: Db, exceptId: number) =>
  sql<{ n: number }>`select count(*)::int as n from users where role = 'admin' and disabled_at is null and id <> ${exceptId}`
    .execute(db)
    .then((r) => r.rows[0]?.n ?? 0)

/** Marks the address verified (once: a second call keeps the first time); answers the time stored. */
export const markEmailVerified = (db: Db, id: number) =>
  sql<{ email_verified_at: Date }>`update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
    where id = ${id} returning email_verified_at`
    .execute(db)
    .then((r) => r.rows[0]?.email_verified_at ?? null)
