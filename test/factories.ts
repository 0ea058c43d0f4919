import { randomBytes } from 'node:crypto'
import type { Db } from '../src/core/db/database.ts'
import { hashPassword } from '../src/features/users/passwords.ts'
import { insertUser, type Role, type UserRow } from '../src/features/users/users.queries.ts'

export const TEST_PASSWORD = 'correct horse battery staple 42'

/** A fresh email that no other test uses (STYLE §10: assert on what the test created). */
export const uniqueEmail = (label = 'user') => `${label}-${randomBytes(5).toString('hex')}@example.com`

let passwordHash: Promise<string> | undefined

/** A user with TEST_PASSWORD (hashed once per file, to keep tests quick). */
export async function createUser(db: Db, options: { role?: Role; email?: string; name?: string } = {}): Promise<UserRow> {
  passwordHash ??= hashPassword(TEST_PASSWORD)
  return insertUser(db, {
    email: options.email ?? uniqueEmail(options.role ?? 'member'),
    name: options.name ?? 'Test User',
    passwordHash: await passwordHash,
    role: options.role ?? 'member',
  })
}
