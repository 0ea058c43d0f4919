import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'

export const MEDIA_EXTENSIONS = ['jpg', 'png', 'webp', 'avif', 'gif', 'pdf'] as const
export type MediaExtension = (typeof MEDIA_EXTENSIONS)[number]
export const VARIANT_FORMATS = ['jpg', 'png', 'webp', 'avif'] as const
export type VariantFormat = (typeof VARIANT_FORMATS)[number]
export type VariantsStatus = 'none' | 'pending' | 'done'

export type MediaRow = {
  id: number
  owner_id: number | null
  sha256: string
  extension: MediaExtension
  mime_type: string
  size_bytes: number
  width: number | null
  height: number | null
  original_name: string
  alt: string
  variants_status: VariantsStatus
  created_at: Date
  updated_at: Date
}

export type MediaVariantRow = {
  id: number
  media_id: number
  format: VariantFormat
  width: number
  height: number
  sha256: string
  size_bytes: number
}

const MEDIA_COLUMNS = sql`id, owner_id, sha256, extension, mime_type, size_bytes, width, height, original_name, alt,
  variants_status, created_at, updated_at`
const VARIANT_COLUMNS = sql`id, media_id, format, width, height, sha256, size_bytes`

/** Who may see a row: `ownerId` null means everyone's (editors and admins), else only that owner's. */
type Visibility = { ownerId: number | null }

export const insertMedia = (
  db: Db,
  media: Pick<
    MediaRow,
    'owner_id' | 'sha256' | 'extension' | 'mime_type' | 'size_bytes' | 'width' | 'height' | 'original_name' | 'alt' | 'variants_status'
  >,
) =>
  sql<MediaRow>`insert into media (owner_id, sha256, extension, mime_type, size_bytes, width, height, original_name, alt, variants_status)
    values (${media.owner_id}, ${media.sha256}, ${media.extension}, ${media.mime_type}, ${media.size_bytes}, ${media.width},
      ${media.height}, ${media.original_name}, ${media.alt}, ${media.variants_status})
    returning ${MEDIA_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as MediaRow)

export const findMedia = (db: Db, id: number, visibility: Visibility) =>
  sql<MediaRow>`select ${MEDIA_COLUMNS} from media
    where id = ${id} and (${visibility.ownerId}::bigint is null or owner_id = ${visibility.ownerId}::bigint)`
    .execute(db)
    .then((r) => r.rows[0])

/** The media list's order: newest first, by id (the upload order; the primary key, or media_owner_id_idx for an author's own). */
export const MEDIA_SORT = { name: 'newest', direction: 'desc', key: null } as const satisfies Sort

/** A page of media; only the filters given are in the statement (decision 0013). */
export function listMedia(db: Db, options: Visibility & { limit: number; after?: Cursor; mimeType?: string }) {
  const order = keyset(MEDIA_SORT, { id: sql`id` }, options.after)
  const where = [order.after]
  if (options.ownerId !== null) where.push(sql`owner_id = ${options.ownerId}`)
  if (options.mimeType !== undefined) where.push(sql`mime_type = ${options.mimeType}`)
  return sql<MediaRow>`select ${MEDIA_COLUMNS} from media where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const updateMediaAlt = (db: Db, id: number, alt: string, visibility: Visibility) =>
  sql<MediaRow>`update media set alt = ${alt}, updated_at = now()
    where id = ${id} and (${visibility.ownerId}::bigint is null or owner_id = ${visibility.ownerId}::bigint)
    returning ${MEDIA_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const deleteMediaRow = (db: Db, id: number, visibility: Visibility) =>
  sql<Pick<MediaRow, 'id' | 'sha256' | 'extension'>>`delete from media
    where id = ${id} and (${visibility.ownerId}::bigint is null or owner_id = ${visibility.ownerId}::bigint)
    returning id, sha256, extension`
    .execute(db)
    .then((r) => r.rows[0])

export const setVariantsStatus = (db: Db, id: number, status: VariantsStatus) =>
  sql`update media set variants_status = ${status}, updated_at = now() where id = ${id}`.execute(db)

/** The variants of many media rows in one query (lists never query per row). */
export const listVariantsOf = (db: Db, mediaIds: number[]) =>
  mediaIds.length === 0
    ? Promise.resolve([] as MediaVariantRow[])
    : sql<MediaVariantRow>`select ${VARIANT_COLUMNS} from media_variants
        where media_id = any(${mediaIds}::bigint[]) order by media_id, format, width`
        .execute(db)
        .then((r) => r.rows)

/** A variant of a media row; repeating the job leaves the first row in place. */
export const insertVariant = (db: Db, variant: Omit<MediaVariantRow, 'id'>) =>
  sql`insert into media_variants (media_id, format, width, height, sha256, size_bytes)
    values (${variant.media_id}, ${variant.format}, ${variant.width}, ${variant.height}, ${variant.sha256}, ${variant.size_bytes})
    on conflict (media_id, format, width) do nothing`.execute(db)

/**
 * Serialises every change to the rows that use one stored file (upload, variant,
 * delete), so that a delete never removes a file that a concurrent upload of the
 * same bytes has just come to use. Held until the transaction ends.
 */
export const lockStoredFile = (db: Db, sha256: string) =>
  sql`select pg_advisory_xact_lock(hashtextextended(${`media:${sha256}`}, 0))`.execute(db)

/** How many media and variant rows use the file with this hash. */
export const countFileUsers = (db: Db, sha256: string) =>
  sql<{ n: number }>`select (select count(*) from media where sha256 = ${sha256})
      + (select count(*) from media_variants where sha256 = ${sha256}) as n`
    .execute(db)
    .then((r) => Number(r.rows[0]?.n ?? 0))

/**
 * Locks a media row for the rest of the transaction: `update` for a delete, `share`
 * for adding a variant (so a variant is never added to a row being deleted).
 * Undefined when the row is gone or not visible.
 */
export const lockMediaRow = (db: Db, id: number, options: Visibility & { mode: 'update' | 'share' }) =>
  sql<Pick<MediaRow, 'id' | 'sha256' | 'extension'>>`select id, sha256, extension from media
    where id = ${id} and (${options.ownerId}::bigint is null or owner_id = ${options.ownerId}::bigint)
    ${options.mode === 'update' ? sql`for update` : sql`for share`}`
    .execute(db)
    .then((r) => r.rows[0])

/** Where a media item is used: a post's or page's cover or body, a product's images or description. */
export type MediaUseRow = {
  kind: 'post' | 'page' | 'product'
  id: number
  title: string
  status: string
  used_as: 'cover' | 'body' | 'image' | 'description'
}

/**
 * What uses a media item (issue 13: the library's "used by"): covers and
 * product images by their keys (indexed), bodies and descriptions by the hash
 * of the file or of one of its variants in their text (every media URL
 * carries it: /media/<sha256>.<ext>), a scan of the site's own content, run
 * only when someone opens an item. `seeAll` false (authors): only what they may
 * see — published posts and pages, their own, active products. At most `limit`
 * rows plus one, to tell that more exist.
 */
export function listMediaUses(db: Db, mediaId: number, hashes: string[], viewer: { seeAll: boolean; userId: number }, limit: number) {
  const patterns = hashes.map((hash) => `%${hash}%`)
  const post = viewer.seeAll ? sql`true` : sql`(p.status = 'published' or p.author_id = ${viewer.userId})`
  const product = viewer.seeAll ? sql`true` : sql`pr.status = 'active'`
  return sql<MediaUseRow>`select distinct kind, id, title, status, used_as from (
      select p.type as kind, p.id, p.title, p.status, 'cover' as used_as from posts p where p.cover_media_id = ${mediaId} and ${post}
      union all
      select p.type, p.id, p.title, p.status, 'body' from posts p where p.body like any(${patterns}::text[]) and ${post}
      union all
      select 'product', pr.id, pr.name, pr.status, 'image' from product_images pi join products pr on pr.id = pi.product_id
        where pi.media_id = ${mediaId} and ${product}
      union all
      select 'product', pr.id, pr.name, pr.status, 'description' from products pr
        where pr.description like any(${patterns}::text[]) and ${product}
    ) uses
    order by kind, id, used_as limit ${sql.lit(limit + 1)}`
    .execute(db)
    .then((r) => r.rows)
}
