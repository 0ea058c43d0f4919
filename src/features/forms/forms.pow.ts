import { hash, randomInt } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Challenge, createChallenge, verifySolution } from 'altcha-lib'
import { deriveKey } from 'altcha-lib/algorithms/sha'
import { Type } from 'typebox'
import type { SecretBox } from '#core/security/secret-box.ts'
import { typeboxValue } from '#core/typebox-value.ts'
import type { FormRow } from './forms.queries.ts'
import { nonceOf, type RenderTokens, type SpamReason } from './forms.spam.ts'

export type StaticAsset = { path: string; type: string; body: Buffer }

/**
 * The ALTCHA widget, served from this site at URLs naming their content
 * (immutable), so that it runs under the site's CSP unchanged (`script-src
 * 'self'`, `style-src 'self'`, no `worker-src`): the package's *external*
 * build, which neither injects a <style> nor starts workers from blob: URLs
 * as the self-contained build does (both refused by that CSP), with its
 * stylesheet, and its SHA worker as a file of its own, registered for the
 * SHA algorithms by a line appended to the script. Read once per process.
 */
export const altchaAssets = (() => {
  let assets: { script: StaticAsset; style: StaticAsset; worker: StaticAsset } | undefined
  const asset = (name: string, extension: string, type: string, body: Buffer): StaticAsset => ({
    path: `/forms/${name}.${hash('sha256', body, 'hex').slice(0, 12)}.${extension}`,
    type,
    body,
  })
  return () => {
    if (!assets) {
      const dist = path.join(path.dirname(fileURLToPath(import.meta.resolve('altcha'))), '..')
      const read = (file: string) => fs.readFileSync(path.join(dist, file))
      const worker = asset('altcha-sha', 'js', 'text/javascript; charset=utf-8', read('workers/sha.js'))
      const register = ['SHA-256', 'SHA-384', 'SHA-512']
        .map((algorithm) => `$altcha.algorithms.set(${JSON.stringify(algorithm)}, () => new Worker(${JSON.stringify(worker.path)}));`)
        .join('\n')
      const script = Buffer.concat([read('external/altcha.min.js'), Buffer.from(`\n${register}\n`)])
      assets = {
        script: asset('altcha', 'js', 'text/javascript; charset=utf-8', script),
        style: asset('altcha', 'css', 'text/css; charset=utf-8', read('external/altcha.css')),
        worker,
      }
    }
    return assets
  }
})()

/** The field that carries the browser's ALTCHA payload (`_` first: ours, as `_token`). */
export const ALTCHA_FIELD = '_altcha'

/**
 * The work asked of a browser: SHA-256 ten times over per try, and a counter
 * drawn between these bounds to find (deterministic mode: the server derives
 * the key at that counter and signs it, so checking a solution costs one HMAC).
 * About 275,000 hashes on average: under a second in a browser's workers, a
 * cost that adds up for a bot posting thousands of forms.
 */
export const POW = { algorithm: 'SHA-256', cost: 10, minCounter: 5_000, maxCounter: 50_000 } as const

export type ProofOfWork = {
  /** A challenge bound to the render token with this nonce (a solution is good once, as its token is). */
  challenge(tokenNonce: string): Promise<Challenge>
  /** Null for a good solution of a challenge bound to `tokenNonce`; otherwise why it does not count. */
  check(payload: unknown, tokenNonce: string | undefined): Promise<SpamReason | null>
}

const Payload = Type.Object({
  challenge: Type.Object({
    parameters: Type.Object({ data: Type.Object({ token: Type.String() }) }),
    signature: Type.String({ maxLength: 200 }),
  }),
  solution: Type.Object({ counter: Type.Integer({ minimum: 0 }), derivedKey: Type.String({ maxLength: 200 }) }),
})

/**
 * Optional proof of work for a form (issue 12, item 3; decision 0021), with
 * altcha-lib (ALTCHA v2): no third-party service, the challenge is signed with
 * keys derived from SECRET_KEY (never the key itself), and it carries the
 * nonce of the render token it was issued with, so the token's single use and
 * age cover the solution too. No expiry of its own: altcha-lib would read the
 * system clock, and the token's age is already checked by the app's clock.
 */
export function proofOfWork(secrets: Pick<SecretBox, 'deriveKey'>): ProofOfWork {
  const signatureSecret = secrets.deriveKey('forms.pow-signature').toString('hex')
  const keySignatureSecret = secrets.deriveKey('forms.pow-key').toString('hex')
  return {
    challenge: (tokenNonce) =>
      createChallenge({
        algorithm: POW.algorithm,
        cost: POW.cost,
        counter: randomInt(POW.minCounter, POW.maxCounter),
        deriveKey,
        data: { token: tokenNonce },
        hmacSignatureSecret: signatureSecret,
        hmacKeySignatureSecret: keySignatureSecret,
      }),
    async check(payload, tokenNonce) {
      if (typeof payload !== 'string' || payload === '') return 'pow_missing'
      let decoded: unknown
      try {
        decoded = payload.length <= 4000 ? JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) : undefined
      } catch {
        return 'pow_invalid'
      }
      if (!typeboxValue().Check(Payload, decoded) || tokenNonce === undefined || decoded.challenge.parameters.data.token !== tokenNonce)
        return 'pow_invalid'
      const result = await verifySolution({
        challenge: decoded.challenge as unknown as Challenge,
        solution: decoded.solution,
        deriveKey,
        hmacSignatureSecret: signatureSecret,
        hmacKeySignatureSecret: keySignatureSecret,
      }).catch(() => undefined)
      return result?.verified === true ? null : 'pow_invalid'
    },
  }
}

/**
 * A render token for `form` (or `reuse`, the visitor's own after an error) and,
 * when the form asks for a proof of work, a challenge bound to that token.
 */
export async function issueToken(
  deps: { tokens: RenderTokens; pow: ProofOfWork },
  form: Pick<FormRow, 'id' | 'proof_of_work'>,
  now: Date,
  reuse?: string,
): Promise<{ token: string; altcha: Challenge | null }> {
  const token = reuse ?? deps.tokens.issue(Number(form.id), now)
  return { token, altcha: form.proof_of_work ? await deps.pow.challenge(nonceOf(token)) : null }
}
