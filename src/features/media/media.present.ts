import type { MediaVariantRow } from './media.queries.ts'
import type { MediaWithVariants } from './media.service.ts'
import { mediaUrl, srcsetOf } from './media.service.ts'
import type { MediaKey } from './media.store.ts'

/** The one place a media row becomes API output (STYLE §8). URLs are site-relative and immutable. */
export const presentMedia = (media: MediaWithVariants) => ({
  id: media.id,
  url: mediaUrl(media),
  sha256: media.sha256,
  mime_type: media.mime_type,
  size_bytes: media.size_bytes,
  width: media.width,
  height: media.height,
  original_name: media.original_name,
  alt: media.alt,
  owner_id: media.owner_id,
  variants_status: media.variants_status,
  variants: media.variants.map((variant) => ({
    url: mediaUrl({ sha256: variant.sha256, extension: variant.format }),
    format: variant.format,
    width: variant.width,
    height: variant.height,
    size_bytes: variant.size_bytes,
  })),
  srcset: srcsetOf(media.variants),
  created_at: media.created_at.toISOString(),
  updated_at: media.updated_at.toISOString(),
})

/** A media item as the image of something else (a post's cover): what a front end needs to show it, nothing about its upload. */
export type CoverMedia = MediaKey & {
  id: number
  width: number | null
  height: number | null
  alt: string
  variants: Pick<MediaVariantRow, 'format' | 'width' | 'sha256'>[]
}

/** A cover as posts carry it (decision 0019): the original's URL and size, its alt text, and the `<picture>` sources of its variants. */
export const presentCover = (cover: CoverMedia) => ({
  id: cover.id,
  url: mediaUrl(cover),
  alt: cover.alt,
  width: cover.width,
  height: cover.height,
  srcset: srcsetOf(cover.variants),
})
