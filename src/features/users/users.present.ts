import type { UserRow } from './users.queries.ts'

/** The one place a user row becomes API output (STYLE §8): never the hash, never internal columns. */
export const presentUser = (user: Omit<UserRow, 'password_hash'>) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  email_verified: user.email_verified_at !== null,
  created_at: user.created_at.toISOString(),
})
