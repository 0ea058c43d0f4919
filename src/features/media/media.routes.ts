import type { Readable } from 'node:stream'
import multipart from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { badRequest, HttpError, invalid, notFound } from '#core/http/errors.ts'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, NoContent, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { ALLOWED_TYPES } from './media.images.ts'
import { presentMedia } from './media.present.ts'
import { MEDIA_SORT, type MediaExtension } from './media.queries.ts'
import { AltBody, FileParams, ListQuery, MAX_ALT_LENGTH, Media, MediaPage, MediaUsage } from './media.schemas.ts'
import { changeMediaAlt, deleteMedia, getMedia, getMediaUsage, listMediaPage, uploadMedia } from './media.service.ts'

const actor = (request: FastifyRequest) => (request.actor as Actor).user

/** A year: file URLs carry the hash of their bytes, so a URL's content never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * The media library (issue 4, part 5): upload, list, read, re-label and delete
 * (authors their own files, editors and admins all), and the public file route.
 */
export function mediaRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'store' | 'config' | 'paths'>) {
  const { db, store } = deps
  deps.paths.reserve('media', ['media'])
  const maxBytes = deps.config.mediaMaxBytes

  // Multipart is parsed only here, for the upload route: every other route keeps
  // refusing multipart bodies (415) as before.
  app.register(async (uploads: AppInstance) => {
    await uploads.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 4, parts: 5, fieldSize: MAX_ALT_LENGTH * 4, headerPairs: 20 },
    })
    uploads.post(
      '/api/v1/media',
      {
        onRequest: requireRole('author'),
        schema: {
          operationId: 'uploadMedia',
          tags: ['media'],
          summary: 'Upload a file',
          description:
            'JPEG, PNG, WebP, AVIF, GIF or PDF, recognised from the bytes. Image metadata (EXIF, GPS) is removed; ' +
            'responsive variants are made in the background (`variants_status`).',
          consumes: ['multipart/form-data'],
          // Read by readUpload, not validated by a body schema: this documents it (core/http/openapi.ts).
          multipart: Type.Object(
            {
              file: Type.String({ format: 'binary', description: `the file, at most ${maxBytes} bytes` }),
              alt: Type.Optional(Type.String({ maxLength: MAX_ALT_LENGTH, description: 'the alternative text of an image' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Media },
        },
      },
      async (request, reply) => {
        const upload = await readUpload(request)
        return reply.code(201).send(presentMedia(await uploadMedia(db, store, actor(request), upload)))
      },
    )
  })

  app.get(
    '/api/v1/media',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'listMedia',
        tags: ['media'],
        summary: 'Media, newest first (authors see their own)',
        querystring: ListQuery,
        response: { 200: MediaPage },
      },
    },
    async (request) => {
      const { query } = request
      const rows = await listMediaPage(db, actor(request), {
        limit: query.limit,
        after: decodeCursor(MEDIA_SORT, query.cursor),
        mimeType: query.mime_type,
      })
      return toPage(rows, query.limit, presentMedia, MEDIA_SORT)
    },
  )

  app.get(
    '/api/v1/media/:id',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'getMedia',
        tags: ['media'],
        summary: 'One media item',
        params: IdParams,
        response: { 200: Media, ...problems('not_found') },
      },
    },
    async (request) => presentMedia(await getMedia(db, actor(request), request.params.id)),
  )

  app.get(
    '/api/v1/media/:id/usage',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'getMediaUsage',
        tags: ['media'],
        summary: 'Where a media item is used',
        description:
          'Posts and pages that show it as their cover or in their body (its file or a variant), products that show it among ' +
          'their images or in their description. Authors: only what they may see. Deleting the item removes it from covers and ' +
          'product images; bodies and descriptions keep a link to a file that is gone.',
        params: IdParams,
        response: { 200: MediaUsage, ...problems('not_found') },
      },
    },
    async (request) => getMediaUsage(db, actor(request), request.params.id),
  )

  app.patch(
    '/api/v1/media/:id',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'updateMediaAlt',
        tags: ['media'],
        summary: 'Change the alt text',
        params: IdParams,
        body: AltBody,
        response: { 200: Media, ...problems('not_found') },
      },
    },
    async (request) => presentMedia(await changeMediaAlt(db, actor(request), request.params.id, request.body.alt)),
  )

  app.delete(
    '/api/v1/media/:id',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'deleteMedia',
        tags: ['media'],
        summary: 'Delete a media item',
        description: 'Its file goes when no other item uses it.',
        params: IdParams,
        response: { 204: NoContent('The item is deleted'), ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteMedia(db, store, actor(request), request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/media/:name',
    {
      schema: {
        operationId: 'getMediaFile',
        tags: ['media'],
        summary: 'A stored file (public)',
        description: 'The bytes, cacheable for a year (the name is the hash of the content); errors are HTML pages.',
        params: FileParams,
        security: [{}],
        response: {
          200: {
            description: 'The file',
            content: { 'application/octet-stream': { schema: Type.Unsafe<Readable>(Type.String({ format: 'binary' })) } },
          },
          304: NoContent('Not modified (If-None-Match matched the ETag)'),
          400: { description: 'The name is not a stored file name (an HTML page)', content: { 'text/html': { schema: Type.String() } } },
          401: {
            description: 'An Authorization header with a malformed, unknown or revoked API token (an HTML page)',
            content: { 'text/html': { schema: Type.String() } },
          },
          404: { description: 'No such file (an HTML page)', content: { 'text/html': { schema: Type.String() } } },
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const [sha256, extension] = name.split('.') as [string, MediaExtension]
      reply.header('cache-control', IMMUTABLE)
      reply.header('x-content-type-options', 'nosniff')
      // Front ends on other origins embed these files; helmet's default is same-origin.
      reply.header('cross-origin-resource-policy', 'cross-origin')
      const etag = `"${sha256}"`
      if (request.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send(null)
      const file = await store.open({ sha256, extension })
      if (!file) throw notFound('file', name)
      reply.header('etag', etag).header('content-length', file.size).type(ALLOWED_TYPES[extension])
      if (extension === 'pdf') {
        // A PDF is a document with its own scripting: download it rather than render it on our origin.
        reply.header('content-disposition', `attachment; filename="${name}"`)
        reply.header('content-security-policy', "default-src 'none'; sandbox")
      }
      return reply.send(file.stream)
    },
  )
}

type Upload = { bytes: Buffer; filename: string; alt: string }

/**
 * Reads the multipart body: exactly one `file` part and an optional `alt`
 * field, in any order. Each bad part is a 400 naming it; a file over the limit
 * is a 413 from @fastify/multipart.
 */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the file as multipart/form-data.')
  }
  let file: { bytes: Buffer; filename: string } | undefined
  let alt = ''
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw invalid([{ field: part.fieldname, in: 'body', message: 'is not an allowed property' }])
        file = { bytes: await part.toBuffer(), filename: cleanFilename(part.filename) }
      } else if (part.fieldname === 'alt') {
        if (part.valueTruncated || typeof part.value !== 'string' || part.value.length > MAX_ALT_LENGTH) {
          throw invalid([{ field: 'alt', in: 'body', message: `must be a text of at most ${MAX_ALT_LENGTH} characters` }])
        }
        if (part.value.includes('\0')) throw invalid([{ field: 'alt', in: 'body', message: 'must not contain a NUL character' }])
        alt = part.value
      } else {
        throw invalid([{ field: part.fieldname, in: 'body', message: 'is not an allowed property' }])
      }
    }
  } catch (error) {
    // Busboy's parse errors (no or wrong boundary, a truncated body, bare LF
    // line ends, a part without Content-Disposition) are plain Errors: a 400,
    // not a 500 (issue 9, item 6). Our own errors and the plugin's sized ones (413) pass.
    const status = (error as { statusCode?: number }).statusCode
    if (error instanceof HttpError || (typeof status === 'number' && status >= 400 && status < 500)) throw error
    throw badRequest(`The multipart body is malformed: ${(error as Error).message}`)
  }
  if (!file) throw invalid([{ field: 'file', in: 'body', message: 'is required' }])
  if (file.bytes.length === 0) throw invalid([{ field: 'file', in: 'body', message: 'is empty' }])
  return { ...file, alt }
}

/** The client's file name, kept for display only: no path, no control characters. */
const cleanFilename = (filename: string) =>
  (filename.split(/[\\/]/).at(-1) ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .slice(0, 255)
