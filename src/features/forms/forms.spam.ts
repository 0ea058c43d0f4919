import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SecretBox } from '#core/security/secret-box.ts'

/**
 * The spam traps of a form (issue 12, item 3; decision 0021), none of which a
 * visitor notices:
 * - a honeypot field, hidden from people and named like a field a bot fills in;
 * - a render token, signed with a key derived from SECRET_KEY, carrying the form
 *   and the time the form was shown. A post sooner than MIN_FILL_MS after it
 *   (a bot), later than MAX_AGE_MS (a harvested token), with no token or a
 *   forged one, or with a token already used (a replay) is spam.
 * Spam is stored with its reason and answered exactly as a real submission, so
 * a bot learns nothing from the answer.
 */
export const MIN_FILL_MS = 3000
export const MAX_AGE_MS = 24 * 60 * 60 * 1000

export type SpamReason =
  | 'honeypot'
  | 'token_missing'
  | 'token_invalid'
  | 'too_fast'
  | 'too_old'
  | 'replayed'
  // The form asks for a proof of work (forms.pow.ts) and the submission has none, or a wrong one.
  | 'pow_missing'
  | 'pow_invalid'

export type RenderTokens = {
  issue(formId: number, now: Date): string
  /** The token's nonce (to be used once) and its expiry, or the reason it does not count. */
  check(token: unknown, formId: number, now: Date): { nonce: string; expiresAt: Date } | { spam: SpamReason }
}

const VERSION = 'v1'

/** The nonce of a token this process issued (a proof-of-work challenge is bound to it). */
export const nonceOf = (token: string) => token.split('.')[3] ?? ''

export function renderTokens(secrets: Pick<SecretBox, 'deriveKey'>): RenderTokens {
  const key = secrets.deriveKey('forms.render-token')
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest()
  return {
    issue(formId, now) {
      const payload = `${VERSION}.${formId}.${now.getTime()}.${randomBytes(16).toString('base64url')}`
      return `${payload}.${mac(payload).toString('base64url')}`
    },
    check(token, formId, now) {
      if (typeof token !== 'string' || token === '') return { spam: 'token_missing' }
      const parts = token.length <= 200 ? token.split('.') : []
      if (parts.length !== 5 || parts[0] !== VERSION) return { spam: 'token_invalid' }
      const [, form, issued, nonce, signature] = parts as [string, string, string, string, string]
      const expected = mac(`${VERSION}.${form}.${issued}.${nonce}`)
      const given = Buffer.from(signature, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { spam: 'token_invalid' }
      // Signed by us: the form and the time are ours. A token of another form counts as forged.
      if (form !== String(formId) || !/^\d{1,15}$/.test(issued)) return { spam: 'token_invalid' }
      const age = now.getTime() - Number(issued)
      if (age < MIN_FILL_MS) return { spam: 'too_fast' }
      if (age > MAX_AGE_MS) return { spam: 'too_old' }
      return { nonce, expiresAt: new Date(Number(issued) + MAX_AGE_MS) }
    },
  }
}
