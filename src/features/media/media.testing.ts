// Test helpers of the media feature (used by its *.test.ts files only).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import sharp from 'sharp'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser, logIn } from '../../../test/factories.ts'
import type { Role } from '../users/users.schemas.ts'

export type MediaTestApp = TestApp & { dataDir: string }

/** An app whose DATA_DIR is a fresh temporary directory (removed after the test), so stored files can be checked. */
export async function buildMediaApp(t: Pick<TestContext, 'after'>, env: Record<string, string> = {}): Promise<MediaTestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-media-'))
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  return { ...(await buildTestApp(t, { env: { DATA_DIR: dataDir, ...env } })), dataDir }
}

/** A new user of `role`, signed in: headers for cookie-authenticated writes. */
export async function signedIn(testApp: TestApp, role: Role) {
  const user = await createUser(testApp.database.db, { role })
  const session = await logIn(testApp.app, user.email)
  return { user, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } }
}

type Part = { name: string; value: string } | { name: string; filename: string; contentType?: string; bytes: Buffer }

/** A multipart/form-data body built by hand, so tests control every byte (and can send what no browser would). */
export function multipart(parts: Part[]) {
  const boundary = `----plinth${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const head =
      'bytes' in part
        ? `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`
        : `Content-Disposition: form-data; name="${part.name}"`
    chunks.push(
      Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`),
      'bytes' in part ? part.bytes : Buffer.from(part.value),
      Buffer.from('\r\n'),
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** POST /api/v1/media with `file` (and `alt`, and any extra parts). */
export function uploadFile(
  testApp: TestApp,
  headers: Record<string, string>,
  file: { bytes: Buffer; filename?: string; contentType?: string },
  options: { alt?: string; extra?: Part[] } = {},
) {
  const body = multipart([
    ...(options.alt === undefined ? [] : [{ name: 'alt', value: options.alt }]),
    { name: 'file', filename: file.filename ?? 'upload.bin', contentType: file.contentType, bytes: file.bytes },
    ...(options.extra ?? []),
  ])
  return testApp.app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...headers, 'content-type': body.contentType },
    payload: body.payload,
  })
}

/** A test image; a random background colour keeps its bytes (and hash) apart from other tests' images. */
export function makeImage(format: 'jpeg' | 'png' | 'webp' | 'gif', size: { width: number; height: number } = { width: 64, height: 48 }) {
  const [r, g, b] = randomBytes(3)
  return sharp({ create: { width: size.width, height: size.height, channels: 3, background: { r: r ?? 0, g: g ?? 0, b: b ?? 0 } } })
    .toFormat(format)
    .toBuffer()
}

export const countMediaOf = (testApp: TestApp, ownerId: number) =>
  sql<{ n: number }>`select count(*)::int as n from media where owner_id = ${ownerId}`
    .execute(testApp.database.db)
    .then((r) => r.rows[0]?.n ?? 0)

/** Every file under DATA_DIR/media (temporary files included). */
export function storedFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'media')
  if (!fs.existsSync(root)) return []
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).flatMap((entry) => (entry.isFile() ? [entry.name] : []))
}
