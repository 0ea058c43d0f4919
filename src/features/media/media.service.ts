import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import { enqueueJob } from '#core/jobs/queue.ts'
import type { Role } from '../users/users.schemas.ts'
import { makeVariant, prepareUpload, sha256Of, variantPlan } from './media.images.ts'
import {
  countFileUsers,
  deleteMediaRow,
  findMedia,
  insertMedia,
  insertVariant,
  listMedia,
  listMediaUses,
  listVariantsOf,
  lockMediaRow,
  lockStoredFile,
  type MediaRow,
  type MediaUseRow,
  type MediaVariantRow,
  setVariantsStatus,
  updateMediaAlt,
  type VariantFormat,
} from './media.queries.ts'
import type { MediaKey, MediaStore } from './media.store.ts'

export const MEDIA_VARIANTS_JOB = 'media.variants'

type MediaActor = { id: number; role: Role }

/** Editors and admins manage every file; authors only their own (the queries filter by owner). */
const visibilityFor = (actor: MediaActor) => ({ ownerId: actor.role === 'editor' || actor.role === 'admin' ? null : actor.id })

export type MediaWithVariants = MediaRow & { variants: MediaVariantRow[] }

/**
 * Stores an upload: type from the bytes, metadata stripped (media.images.ts),
 * file written content-addressed, row inserted and, for a still image, the
 * `media.variants` job queued, all in one transaction. Throws 415 for a type
 * that is not allowed and 400 (`file`) for an image that does not decode.
 */
export async function uploadMedia(
  db: Db,
  store: MediaStore,
  actor: MediaActor,
  upload: { bytes: Buffer; filename: string; alt: string },
): Promise<MediaWithVariants> {
  const prepared = await prepareUpload(upload.bytes)
  const sha256 = sha256Of(prepared.bytes)
  const wantsVariants = variantPlan(prepared).length > 0 && !prepared.animated
  const row = await db.transaction().execute(async (trx) => {
    await lockStoredFile(trx, sha256)
    const inserted = await insertMedia(trx, {
      owner_id: actor.id,
      sha256,
      extension: prepared.extension,
      mime_type: prepared.mimeType,
      size_bytes: prepared.bytes.length,
      width: prepared.width,
      height: prepared.height,
      original_name: upload.filename.slice(0, 255),
      alt: upload.alt,
      variants_status: wantsVariants ? 'pending' : 'none',
    })
    if (wantsVariants) await enqueueJob(trx, { name: MEDIA_VARIANTS_JOB, payload: { media_id: inserted.id } })
    // Written under the file's lock, after the row: a concurrent delete of another
    // row with the same bytes now sees this row and keeps the file.
    await store.put({ sha256, extension: prepared.extension }, prepared.bytes)
    await recordChanges(trx, [tags.media(inserted.id), tags.list('media')])
    return inserted
  })
  return { ...row, variants: [] }
}

/** One media item the actor may see, with its variants; 404 otherwise. */
export async function getMedia(db: Db, actor: MediaActor, id: number): Promise<MediaWithVariants> {
  const row = await findMedia(db, id, visibilityFor(actor))
  if (!row) throw notFound('media', id)
  return { ...row, variants: await listVariantsOf(db, [row.id]) }
}

/**
 * Whether the actor may use a media item in what they write (a post's cover):
 * the same rule as seeing it — editors and admins any item, authors their own
 * uploads (issue 9, item 9). False as well when it does not exist.
 */
export const mayUseMedia = async (db: Db, actor: MediaActor, id: number): Promise<boolean> =>
  (await findMedia(db, id, visibilityFor(actor))) !== undefined

/** The most uses one answer lists (`more` says when there are others). */
export const MEDIA_USES_LIMIT = 100

/**
 * Where an item the actor may see is used (404 otherwise): covers, bodies that
 * show the file or one of its variants, product images and descriptions; for
 * authors only the content they may see.
 */
export async function getMediaUsage(db: Db, actor: MediaActor, id: number): Promise<{ data: MediaUseRow[]; more: boolean }> {
  const row = await findMedia(db, id, visibilityFor(actor))
  if (!row) throw notFound('media', id)
  const hashes = [row.sha256, ...(await listVariantsOf(db, [row.id])).map((variant) => variant.sha256)]
  const seeAll = visibilityFor(actor).ownerId === null
  const uses = await listMediaUses(db, row.id, hashes, { seeAll, userId: actor.id }, MEDIA_USES_LIMIT)
  return { data: uses.slice(0, MEDIA_USES_LIMIT), more: uses.length > MEDIA_USES_LIMIT }
}

/** A page of media the actor may see, newest first; variants loaded for the whole page in one query. */
export async function listMediaPage(
  db: Db,
  actor: MediaActor,
  options: { limit: number; after?: Cursor; mimeType?: string },
): Promise<MediaWithVariants[]> {
  const rows = await listMedia(db, { ...visibilityFor(actor), ...options })
  const variants = await listVariantsOf(
    db,
    rows.map((row) => row.id),
  )
  return rows.map((row) => ({ ...row, variants: variants.filter((variant) => variant.media_id === row.id) }))
}

/** The alt text shows wherever the image does (covers declare `media:<id>`). */
export function changeMediaAlt(db: Db, actor: MediaActor, id: number, alt: string): Promise<MediaWithVariants> {
  return db.transaction().execute(async (trx) => {
    const row = await updateMediaAlt(trx, id, alt, visibilityFor(actor))
    if (!row) throw notFound('media', id)
    const variants = await listVariantsOf(trx, [row.id])
    await recordChanges(trx, [tags.media(id)])
    return { ...row, variants }
  })
}

/**
 * Deletes a media row and its variants, and removes every file that no other row
 * uses any more. Order matters: the media row is locked first (a running variants
 * job waits for it), then the files' locks in hash order (no deadlock between two
 * deletes), and files go only after their last user is gone.
 */
export async function deleteMedia(db: Db, store: MediaStore, actor: MediaActor, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const locked = await lockMediaRow(trx, id, { ...visibilityFor(actor), mode: 'update' })
    if (!locked) throw notFound('media', id)
    const variants = await listVariantsOf(trx, [id])
    const keys = new Map<string, MediaKey>([[locked.sha256, { sha256: locked.sha256, extension: locked.extension }]])
    for (const variant of variants) keys.set(variant.sha256, { sha256: variant.sha256, extension: variant.format })
    const sorted = [...keys.values()].sort((a, b) => a.sha256.localeCompare(b.sha256))
    for (const key of sorted) await lockStoredFile(trx, key.sha256)
    await deleteMediaRow(trx, id, { ownerId: null })
    for (const key of sorted) {
      if ((await countFileUsers(trx, key.sha256)) === 0) await store.remove(key)
    }
    // Covers that showed it are now without one (the foreign key sets them null).
    await recordChanges(trx, [tags.media(id), tags.list('media')])
  })
}

/**
 * The `media.variants` job: makes each planned size, stores it and records it.
 * Safe to repeat (a variant already recorded is skipped) and a no-op for media
 * deleted meanwhile.
 */
export async function generateMediaVariants(db: Db, store: MediaStore, mediaId: number): Promise<void> {
  const media = await findMedia(db, mediaId, { ownerId: null })
  if (media?.variants_status !== 'pending') return
  const original = await store.read({ sha256: media.sha256, extension: media.extension })
  const existing = new Set((await listVariantsOf(db, [mediaId])).map((v) => `${v.format}:${v.width}`))
  for (const planned of variantPlan(media)) {
    if (existing.has(`${planned.format}:${planned.width}`)) continue
    // Encoding runs outside any transaction: on PGlite a transaction blocks every other query.
    const variant = await makeVariant(original, planned.format, planned.width)
    const sha256 = sha256Of(variant.bytes)
    const stillThere = await db.transaction().execute(async (trx) => {
      if (!(await lockMediaRow(trx, mediaId, { ownerId: null, mode: 'share' }))) return false
      await lockStoredFile(trx, sha256)
      await insertVariant(trx, {
        media_id: mediaId,
        format: variant.format,
        width: planned.width,
        height: variant.height,
        sha256,
        size_bytes: variant.bytes.length,
      })
      await store.put({ sha256, extension: variant.format }, variant.bytes)
      // Each new size changes the srcset of every page that shows the image.
      await recordChanges(trx, [tags.media(mediaId)])
      return true
    })
    if (!stillThere) return
  }
  await db.transaction().execute(async (trx) => {
    await setVariantsStatus(trx, mediaId, 'done')
    await recordChanges(trx, [tags.media(mediaId)])
  })
}

/** An image already in its stored form, with its variants made: what `storePreparedImage` takes. */
export type PreparedImage = {
  filename: string
  alt: string
  original: { bytes: Buffer; extension: 'jpg' | 'png'; width: number; height: number }
  variants: { bytes: Buffer; format: VariantFormat; width: number; height: number }[]
}

/**
 * Stores an image that this pipeline prepared earlier (`prepareUpload`, then
 * `makeVariant` for each size of `variantPlan`): the media row, its variant rows
 * and the files, in one transaction, variants done, no job queued. For images
 * the program ships (the demo's, encoded once by scripts/make-demo-images.ts so
 * that seeding a site does not spend minutes encoding AVIF, issue 8); nothing
 * is decoded or checked here, so never for uploads.
 */
export async function storePreparedImage(db: Db, store: MediaStore, actor: MediaActor, image: PreparedImage): Promise<MediaWithVariants> {
  const { original } = image
  const sha256 = sha256Of(original.bytes)
  const variants = image.variants.map((variant) => ({ ...variant, sha256: sha256Of(variant.bytes) }))
  return db.transaction().execute(async (trx) => {
    // Hash order, like deleteMedia: two of these never wait on each other's locks.
    for (const key of [...new Set([sha256, ...variants.map((v) => v.sha256)])].sort()) await lockStoredFile(trx, key)
    const row = await insertMedia(trx, {
      owner_id: actor.id,
      sha256,
      extension: original.extension,
      mime_type: VARIANT_TYPES[original.extension],
      size_bytes: original.bytes.length,
      width: original.width,
      height: original.height,
      original_name: image.filename.slice(0, 255),
      alt: image.alt,
      variants_status: variants.length > 0 ? 'done' : 'none',
    })
    await store.put({ sha256, extension: original.extension }, original.bytes)
    for (const variant of variants) {
      const { bytes, ...fields } = variant
      await insertVariant(trx, { media_id: row.id, ...fields, size_bytes: bytes.length })
      await store.put({ sha256: variant.sha256, extension: variant.format }, bytes)
    }
    const stored = { ...row, variants: await listVariantsOf(trx, [row.id]) }
    await recordChanges(trx, [tags.media(row.id), tags.list('media')]) // last: it holds the feed's order lock until commit
    return stored
  })
}

/** Best compression first: AVIF, WebP, then the original formats. */
const FORMAT_RANK = { avif: 0, webp: 1, jpg: 2, png: 3 } as const
const VARIANT_TYPES = { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg', png: 'image/png' } as const

export const mediaUrl = (key: MediaKey) => `/media/${key.sha256}.${key.extension}`

/**
 * The `srcset` sources of an image for a `<picture>`, from its variant rows: one
 * entry per format, best compression first (AVIF, WebP, then the original format),
 * each `url width` pair ascending. Empty before the variants job has run, or for
 * media without variants (PDF, GIF).
 */
export function srcsetOf(variants: Pick<MediaVariantRow, 'format' | 'width' | 'sha256'>[]): { type: string; srcset: string }[] {
  // Every page of cards calls this for each card: one sort, one pass, no per-format filtering.
  const sorted = [...variants].sort((a, b) => FORMAT_RANK[a.format] - FORMAT_RANK[b.format] || a.width - b.width)
  const sources: { type: string; srcset: string }[] = []
  let format: string | undefined
  for (const v of sorted) {
    const item = `${mediaUrl({ sha256: v.sha256, extension: v.format })} ${v.width}w`
    if (v.format === format) (sources.at(-1) as { srcset: string }).srcset += `, ${item}`
    else sources.push({ type: VARIANT_TYPES[v.format], srcset: item })
    format = v.format
  }
  return sources
}
