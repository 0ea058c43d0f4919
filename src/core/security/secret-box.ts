import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config.ts'

/**
 * Secrets at rest (issue 9, item 10; decision 0007): a value the server must read
 * back (a TOTP secret) is stored sealed with AES-256-GCM under `SECRET_KEY`.
 *
 * A sealed value reads `v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`. The key
 * id (the first 8 hex digits of the key's SHA-256) names the key that sealed it,
 * so during a rotation values sealed with `SECRET_KEY_PREVIOUS` still open, and
 * a value sealed with a key the server does not have fails with a clear error
 * instead of a wrong code.
 */
export type SecretBox = {
  /** The id of the key new values are sealed with. */
  readonly keyId: string
  seal(plain: string): string
  /** The plain value; a value stored before encryption (no `v1:` prefix) comes back as it is. */
  open(stored: string): string
  /** Whether a stored value should be sealed again: stored in clear, or under another key than the current one. */
  needsResealing(stored: string): boolean
  /**
   * A 32-byte key for one purpose (`forms.render-token`), derived from the current key
   * with HKDF-SHA256: a MAC key that is not the sealing key itself, and a different
   * one per purpose (decision 0021). It changes when SECRET_KEY does.
   */
  deriveKey(purpose: string): Buffer
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretKeyError'
  }
}

const PREFIX = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
export const SECRET_KEY_BYTES = 32

export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8)

/** A key from its text form: 64 hex digits or the base64 of 32 bytes (`openssl rand -base64 32`); undefined when it is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replaceAll('-', '+').replaceAll('_', '/'), 'base64')
    if (key.length === SECRET_KEY_BYTES) return key
  }
  return undefined
}

export function createSecretBox(current: Buffer, previous?: Buffer): SecretBox {
  if (current.length !== SECRET_KEY_BYTES || (previous && previous.length !== SECRET_KEY_BYTES)) {
    throw new SecretKeyError(`a secret key is ${SECRET_KEY_BYTES} bytes`)
  }
  const keyId = keyIdOf(current)
  const keys = new Map<string, Buffer>([[keyId, current]])
  if (previous && !keys.has(keyIdOf(previous))) keys.set(keyIdOf(previous), previous)

  return Object.freeze({
    keyId,
    seal(plain: string) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', current, iv)
      cipher.setAAD(Buffer.from(`${PREFIX}:${keyId}`))
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return `${PREFIX}:${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`
    },
    open(stored: string) {
      const parts = stored.split(':')
      if (parts[0] !== PREFIX || parts.length !== 3) return stored
      const [, id, body] = parts as [string, string, string]
      const key = keys.get(id)
      if (!key) {
        throw new SecretKeyError(
          `a stored secret was sealed with key ${id}, which this server does not have (SECRET_KEY is key ${keyId}): ` +
            'set SECRET_KEY to that key, or SECRET_KEY_PREVIOUS while rotating',
        )
      }
      const bytes = Buffer.from(body, 'base64url')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
        decipher.setAAD(Buffer.from(`${PREFIX}:${id}`))
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        throw new SecretKeyError(`a stored secret sealed with key ${id} does not open: it was changed or the key is wrong`)
      }
    },
    needsResealing(stored: string) {
      return !stored.startsWith(`${PREFIX}:${keyId}:`)
    },
    deriveKey(purpose: string) {
      return Buffer.from(hkdfSync('sha256', current, Buffer.alloc(0), `plinth:${purpose}`, SECRET_KEY_BYTES))
    },
  })
}

/**
 * The key of a site without `SECRET_KEY` (PGlite only; config.ts refuses
 * PostgreSQL without one): `DATA_DIR/secret.key`, 32 random bytes in hex made
 * with mode 0600 on first start and read afterwards.
 */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key')
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true })
    try {
      // `wx`: never over a key that appeared meanwhile (then that one is read below).
      fs.writeFileSync(file, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  const key = parseSecretKey(fs.readFileSync(file, 'utf8'))
  if (!key) throw new SecretKeyError(`${file} does not hold a key (64 hex digits); restore it, or set SECRET_KEY`)
  return key
}

/** The app's box: SECRET_KEY (and SECRET_KEY_PREVIOUS while rotating), or the PGlite site's key file. */
export const secretBoxFor = (config: Pick<Config, 'secretKey' | 'secretKeyPrevious' | 'dataDir'>): SecretBox =>
  createSecretBox(config.secretKey ?? loadOrCreateKeyFile(config.dataDir), config.secretKeyPrevious)
