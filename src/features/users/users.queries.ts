import { type Db, sql } from '#core/db/database.ts'

export type Role = 'admin' | 'editor' | 'author' | 'member'

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
