import { Type } from 'typebox'
import { named, Page, PageQuery, QueryString } from '#core/http/schemas.ts'
import { ALLOWED_TYPES } from './media.images.ts'
import { MEDIA_EXTENSIONS } from './media.queries.ts'

export const MAX_ALT_LENGTH = 1000

const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const Media = named(
  'Media',
  Type.Object(
    {
      id: Type.Integer(),
      url: Type.String({ description: 'public, immutable URL of the file (cacheable for a year)' }),
      sha256: Type.String(),
      mime_type: Type.String(),
      size_bytes: Type.Integer(),
      width: Nullable(Type.Integer()),
      height: Nullable(Type.Integer()),
      original_name: Type.String(),
      alt: Type.String(),
      owner_id: Nullable(Type.Integer()),
      variants_status: Type.Union([Type.Literal('none'), Type.Literal('pending'), Type.Literal('done')]),
      variants: Type.Array(
        Type.Object({
          url: Type.String(),
          format: Type.String(),
          width: Type.Integer(),
          height: Type.Integer(),
          size_bytes: Type.Integer(),
        }),
      ),
      srcset: Type.Array(Type.Object({ type: Type.String(), srcset: Type.String() }), {
        description: 'one `<source>` per format for a `<picture>`, best compression first',
      }),
      created_at: DateTime,
      updated_at: DateTime,
    },
    { additionalProperties: false },
  ),
)

export const MediaPage = Page(Media)

export const ListQuery = QueryString({
  ...PageQuery,
  mime_type: Type.Optional(Type.Union(Object.values(ALLOWED_TYPES).map((mime) => Type.Literal(mime)))),
})

export const AltBody = Type.Object({ alt: Type.String({ maxLength: MAX_ALT_LENGTH }) }, { additionalProperties: false })

/** `/media/<sha256>.<ext>`: only names the store can hold, so anything else is a 400 before the disk is touched. */
export const FileParams = Type.Object({
  name: Type.String({ pattern: `^[0-9a-f]{64}\\.(${MEDIA_EXTENSIONS.join('|')})$` }),
})

/** Where a media item is used (GET /api/v1/media/{id}/usage). */
export const MediaUsage = named(
  'MediaUsage',
  Type.Object({
    data: Type.Array(
      Type.Object({
        kind: Type.Union([Type.Literal('post'), Type.Literal('page'), Type.Literal('product')]),
        id: Type.Integer(),
        title: Type.String({ description: 'the post’s or page’s title, the product’s name' }),
        status: Type.String(),
        used_as: Type.Union([Type.Literal('cover'), Type.Literal('body'), Type.Literal('image'), Type.Literal('description')], {
          description:
            'cover: a post’s or page’s cover; body: shown in its Markdown; image: one of a product’s images; description: in its description',
        }),
      }),
    ),
    more: Type.Boolean({ description: 'true when it is used in more places than listed (the first 100, by kind and id)' }),
  }),
)
