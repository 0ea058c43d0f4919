import { availableParallelism } from 'node:os'
import argon2 from 'argon2'
import { invalid } from '#core/http/errors.ts'

/**
 * argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1). node-argon2 hashes
 * on libuv's thread pool, so a hash never blocks the event loop.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

// zxcvbn-ts's list of ~49,000 common passwords costs ~19 MB and ~150 ms to load,
// so it is loaded at the first password that needs checking, not at start.
let common: Promise<Set<string>> | undefined
const commonPasswords = () =>
  (common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'])))

/** Throws a 400 naming `field` when the password is on the common-passwords list (compared lower-cased). */
export async function refuseCommonPassword(password: string, field = 'password') {
  if ((await commonPasswords()).has(password.toLowerCase())) {
    throw invalid([{ field, in: 'body', message: 'is too common; choose a password that others are unlikely to use' }])
  }
}

// At most one hash per CPU at a time. libuv's pool has four threads; four
// 19 MiB hashes on a one- or two-CPU machine would take the event loop's CPU
// share and every other request would wait behind them. Queued hashes wait here
// instead, without holding a pool thread.
const HASH_SLOTS = Math.max(1, availableParallelism())
let running = 0
const waiting: (() => void)[] = []
async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_SLOTS) await new Promise<void>((resolve) => waiting.push(resolve))
  else running++
  try {
    return await work()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

export const hashPassword = (password: string) => inHashSlot(() => argon2.hash(password, ARGON2_OPTIONS))

/** Checks a password against a stored hash; false (never a throw) for a malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await inHashSlot(() => argon2.verify(hash, password))
  } catch {
    return false
  }
}

/** True when the hash was made with other parameters than today's: rehash at the next login. */
export const needsRehash = (hash: string) => argon2.needsRehash(hash, ARGON2_OPTIONS)

// A login for an unknown email still costs one verification, so its answer
// takes as long as a wrong password's (no user enumeration by timing).
let dummyHash: Promise<string> | undefined
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword('plinth-dummy-password-for-timing')
  await verifyPassword(await dummyHash, password)
  return false
}
