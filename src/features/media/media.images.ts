import { createHash } from 'node:crypto'
import type { Sharp } from 'sharp'
import { HttpError, invalid } from '#core/http/errors.ts'
import type { MediaExtension, VariantFormat } from './media.queries.ts'

// sharp (libvips) and file-type cost about 230 ms to load: they are loaded at
// the first upload or variant job, not at every start.
const loadSharp = async () => (await import('sharp')).default
const loadFileType = async () => (await import('file-type')).fileTypeFromBuffer

/**
 * What the media library accepts, detected from the bytes (file-type), never from
 * the client's file name or Content-Type. SVG is refused (decision 0009): it is a
 * document that can carry script, and file-type cannot tell it from other XML.
 */
export const ALLOWED_TYPES: Record<MediaExtension, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  pdf: 'application/pdf',
}

/**
 * Responsive widths for `srcset` (issue 4, part 5); never wider than the
 * original. An original between two of them also gets its own width, so a
 * 1200-pixel image offers 1200w, not just 640w, to a wide or high-density screen.
 */
export const VARIANT_WIDTHS = [320, 640, 1280, 1920] as const

/**
 * Decoding limit: a small file can declare a huge canvas (a decompression bomb);
 * 100 megapixels covers any camera in use.
 */
const MAX_PIXELS = 100_000_000

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

const isAllowed = (ext: string): ext is MediaExtension => Object.hasOwn(ALLOWED_TYPES, ext)

export type PreparedUpload = {
  bytes: Buffer
  extension: MediaExtension
  mimeType: string
  width: number | null
  height: number | null
  /** An animated GIF or WebP: kept as uploaded (minus metadata), no variants. */
  animated: boolean
}

/**
 * Detects the type from the bytes, refuses what is not on the allow-list (415),
 * and re-encodes images without their metadata: EXIF (camera, GPS position),
 * XMP and comments are dropped, and the EXIF orientation is applied to the pixels
 * first so the picture still stands the right way up. The re-encoding also drops
 * anything appended to or hidden in an image (a GIF/script polyglot), and an
 * image that does not decode is refused.
 */
export async function prepareUpload(bytes: Buffer): Promise<PreparedUpload> {
  const [sharp, fileTypeFromBuffer] = await Promise.all([loadSharp(), loadFileType()])
  const detected = await fileTypeFromBuffer(bytes)
  if (!detected || !isAllowed(detected.ext)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Only JPEG, PNG, WebP, AVIF, GIF and PDF files can be uploaded${detected ? ` (this file is ${detected.mime})` : ''}.`,
      { fields: [{ field: 'file', in: 'body', message: 'is not an allowed type' }] },
    )
  }
  const extension = detected.ext
  if (extension === 'pdf') return { bytes, extension, mimeType: ALLOWED_TYPES.pdf, width: null, height: null, animated: false }

  try {
    const metadata = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata()
    const animated = (metadata.pages ?? 1) > 1
    // Rotation is defined for one frame only; animations keep their frames as they are.
    const pipeline = sharp(bytes, { animated, limitInputPixels: MAX_PIXELS })
    if (!animated) pipeline.rotate()
    const stripped = await encode(pipeline, extension).toBuffer()
    const result = await sharp(stripped, { animated }).metadata()
    return {
      bytes: stripped,
      extension,
      mimeType: ALLOWED_TYPES[extension],
      width: result.width ?? null,
      height: result.pageHeight ?? result.height ?? null,
      animated,
    }
  } catch {
    // Translate the decoder's error (its text is not for clients) into a field error.
    throw invalid([{ field: 'file', in: 'body', message: `is not a readable ${extension.toUpperCase()} image` }])
  }
}

/** Encoders with no metadata options: sharp writes no EXIF, XMP or ICC unless asked (`withMetadata`). */
function encode(pipeline: Sharp, format: MediaExtension | VariantFormat): Sharp {
  switch (format) {
    case 'jpg':
      return pipeline.jpeg({ quality: 88 })
    case 'png':
      return pipeline.png()
    case 'webp':
      return pipeline.webp({ quality: 85 })
    case 'avif':
      return pipeline.avif({ quality: 60 })
    case 'gif':
      return pipeline.gif()
    case 'pdf':
      throw new Error('a PDF is not an image')
  }
}

export type Variant = { format: VariantFormat; width: number; height: number; bytes: Buffer }

/**
 * The responsive sizes of a stored (already stripped) image: each width up to the
 * original's, in AVIF, WebP and the original format (JPEG or PNG). An image
 * narrower than the smallest width gets its own width only.
 */
export function variantPlan(media: { extension: MediaExtension; width: number | null }): { format: VariantFormat; width: number }[] {
  if (media.width === null || media.extension === 'gif' || media.extension === 'pdf') return []
  const original = media.width
  const largest = VARIANT_WIDTHS[VARIANT_WIDTHS.length - 1] as number
  const widths = [...VARIANT_WIDTHS.filter((width) => width < original), Math.min(original, largest)]
  const formats = [...new Set<VariantFormat>(['avif', 'webp', media.extension])]
  return widths.flatMap((width) => formats.map((format) => ({ format, width })))
}

export async function makeVariant(original: Buffer, format: VariantFormat, width: number): Promise<Variant> {
  const sharp = await loadSharp()
  const { data, info } = await encode(
    sharp(original, { limitInputPixels: MAX_PIXELS }).resize({ width, withoutEnlargement: true }),
    format,
  ).toBuffer({ resolveWithObject: true })
  return { format, width: info.width, height: info.height, bytes: data }
}
