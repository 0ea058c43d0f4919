import type { Db } from '#core/db/database.ts'
import { tooManyRequests } from '#core/http/errors.ts'
import { clearLimit, hitLimit, type LimitRule, readLimits } from '#core/security/limiter.ts'
import { hasSignedInFrom } from '../audit.queries.ts'

/**
 * The limits on guessing a secret (decision 0015), counted by the core limiter
 * so every instance counts together:
 *
 * - pair: one account from one address. 10 failures within 24 h lock the pair
 *   for 15 minutes, whatever is typed. A whole successful login clears it
 *   (clearSecretFailures).
 * - ip: one address, any account. 50 failures within 15 minutes lock the
 *   address for 15 minutes — for guesses only: a right secret for an account
 *   that has no failures of its own from that address still goes through, so
 *   one attacker behind an office's address (or a proxy) locks out nobody else.
 * - account: one account from every address. 100 failures within 24 h lock
 *   the account for an hour against distributed guessing; a right secret still
 *   goes through from an address the account has signed in from before
 *   (login_ok in the audit log) whose pair is not locked, so the owner is never
 *   locked out from home by somebody else. From a new address: wait, or reset
 *   the password by mail.
 *
 * While a lock refuses, wrong and right secrets get the same 429, and wrong
 * ones still count.
 */
export const LOGIN_LIMITS = {
  pair: { limit: 10, windowMs: 24 * 3600 * 1000, lockMs: 15 * 60 * 1000 },
  ip: { limit: 50, windowMs: 15 * 60 * 1000, lockMs: 15 * 60 * 1000 },
  account: { limit: 100, windowMs: 24 * 3600 * 1000, lockMs: 60 * 60 * 1000 },
} as const satisfies Record<string, LimitRule>

/**
 * Who is guessing: a found account by its id, so that every spelling of its
 * address shares one counter; an address without an account by the address as
 * the lookup compares it (lower case, trimmed).
 */
export type SecretSubject = { userId: number; ip: string } | { email: string; ip: string }

const subjectKey = (subject: SecretSubject) =>
  'userId' in subject ? `user:${subject.userId}` : `email:${subject.email.trim().toLowerCase()}`

const secretLimitKeys = (subject: SecretSubject) => ({
  pair: `login:pair:${subjectKey(subject)}:${subject.ip}`,
  ip: `login:ip:${subject.ip}`,
  account: `login:account:${subjectKey(subject)}`,
})

/**
 * Checks a secret (a password, a TOTP code) under the login limits:
 * `verify` runs only when a right secret would be accepted (so it may act, in
 * its own transaction, on success). Returns whether the
 * secret is right; a wrong one is counted. Throws 429 with Retry-After while
 * a lock refuses this subject (see LOGIN_LIMITS). Login, the current password
 * on PATCH /auth/me, TOTP disable and token creation all call this, so they
 * share one count per account.
 */
export async function checkSecret(db: Db, subject: SecretSubject, now: Date, verify: () => Promise<boolean>): Promise<boolean> {
  const keys = secretLimitKeys(subject)
  const rules = [
    { key: keys.pair, ...LOGIN_LIMITS.pair },
    { key: keys.ip, ...LOGIN_LIMITS.ip },
    { key: keys.account, ...LOGIN_LIMITS.account },
  ]
  const state = await readLimits(db, rules, now)
  const pair = state.get(keys.pair) ?? { hits: 0, lockedSeconds: 0 }
  const ip = state.get(keys.ip) ?? { hits: 0, lockedSeconds: 0 }
  const account = state.get(keys.account) ?? { hits: 0, lockedSeconds: 0 }
  // Refusals that do not depend on the secret come first: `verify` runs only
  // when a right secret would be accepted, so it may act on success.
  if (pair.lockedSeconds > 0) throw tooManyRequests(pair.lockedSeconds)
  if (ip.lockedSeconds > 0 && pair.hits > 0) throw tooManyRequests(ip.lockedSeconds)
  if (account.lockedSeconds > 0 && !('userId' in subject && (await hasSignedInFrom(db, subject.userId, subject.ip)))) {
    throw tooManyRequests(account.lockedSeconds)
  }
  const ok = await verify()
  if (!ok) {
    for (const rule of rules) await hitLimit(db, rule, now)
    // Under a lock a wrong secret gets the answer a refused one gets; the
    // failure that sets a lock still answers as a failure.
    const wait = Math.max(ip.lockedSeconds, account.lockedSeconds)
    if (wait > 0) throw tooManyRequests(wait)
    return false
  }
  return true
}

/**
 * Forgets the pair's failures after a whole login succeeded (password and,
 * when on, the second factor). Not after one right secret of several: a right
 * password followed by wrong TOTP codes must keep counting.
 */
export const clearSecretFailures = (db: Db, subject: SecretSubject) => clearLimit(db, secretLimitKeys(subject).pair)
