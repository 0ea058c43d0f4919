import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { App } from '../src/app.ts'
import type { Db } from '../src/core/db/database.ts'
import { createContent, publishContent } from '../src/features/content/content.service.ts'
import { hashPassword } from '../src/features/users/login/passwords.ts'
import { insertUser, markEmailVerified, type UserRow } from '../src/features/users/users.queries.ts'
import type { Role } from '../src/features/users/users.schemas.ts'

export const TEST_PASSWORD = 'correct horse battery staple 42'

/** A fresh email that no other test uses (STYLE §10: assert on what the test created). */
export const uniqueEmail = (label = 'user') => `${label}-${randomBytes(5).toString('hex')}@example.com`

let passwordHash: Promise<string> | undefined

/** A user with TEST_PASSWORD (hashed once per file, to keep tests quick); unverified unless `verified`. */
export async function createUser(
  db: Db,
  options: { role?: Role; email?: string; name?: string; verified?: boolean } = {},
): Promise<UserRow> {
  passwordHash ??= hashPassword(TEST_PASSWORD)
  const user = await insertUser(db, {
    email: options.email ?? uniqueEmail(options.role ?? 'member'),
    name: options.name ?? 'Test User',
    passwordHash: await passwordHash,
    role: options.role ?? 'member',
  })
  if (!options.verified) return user
  return { ...user, email_verified_at: await markEmailVerified(db, user.id) }
}

/** Signs in over HTTP; returns the cookie header value and the session's CSRF token. */
export async function logIn(app: App, email: string, password = TEST_PASSWORD) {
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })
  assert.equal(response.statusCode, 200, response.body)
  const setCookie = response.headers['set-cookie'] as string
  const cookie = setCookie.split(';')[0] as string
  const csrf = await app.inject({ method: 'GET', url: '/api/v1/auth/csrf', headers: { cookie } })
  return { cookie, csrf: csrf.json().token as string, setCookie, user: response.json() }
}

/** A post or page by `author`, saved through the content service (so it has its first revision), published when asked. */
export async function createPost(
  db: Db,
  author: Pick<UserRow, 'id' | 'role'>,
  options: { type?: 'post' | 'page'; title?: string; slug?: string; body?: string; published?: boolean; tag_ids?: number[] } = {},
) {
  const type = options.type ?? 'post'
  const { row } = await createContent(db, type, author, {
    title: options.title ?? `Post ${randomBytes(3).toString('hex')}`,
    slug: options.slug ?? `post-${randomBytes(5).toString('hex')}`,
    body: options.body ?? 'Hello *world*.',
    ...(options.tag_ids ? { tags: options.tag_ids.map((id) => ({ id })) } : {}),
  })
  return options.published ? (await publishContent(db, type, row.id)).row : row
}
