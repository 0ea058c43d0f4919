import { type Static, type TObject, type TSchema, Type } from 'typebox'
import { Id, Page, PageQuery, QueryString, TotalQuery } from '#core/http/schemas.ts'

const Slug = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })
/** Posts and pages share one table and one set of routes (decision 0008). Defined here only. */
export const PostType = Type.Union([Type.Literal('post'), Type.Literal('page')])
export type PostType = Static<typeof PostType>
/** The workflow states of a post or page. Defined here only. */
export const PostStatus = Type.Union([
  Type.Literal('draft'),
  Type.Literal('scheduled'),
  Type.Literal('published'),
  Type.Literal('archived'),
])
export type PostStatus = Static<typeof PostStatus>
/**
 * `schema` or null, for responses, as one JSON Schema type list (`type: [t, 'null']`)
 * rather than `anyOf`: fast-json-stringify writes a type list after a typeof
 * check, but picks an `anyOf` branch by running Ajv on the value, for every
 * field of every item (a list of 20 posts: 0.58 ms to serialise with anyOf,
 * against 0.07 ms for JSON.stringify; decision 0019).
 */
const Nullable = <T extends TSchema & { type: string }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })
/** A union of string values as one `enum` (no anyOf), for responses, for the same reason. */
const OneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] })
const Time = Nullable(Type.String({ format: 'date-time' }))
/** A tag or category as a post carries it. */
const TermRef = Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() })
const TermName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
/** A tag or category as a write names it: by id, or by name (decision 0019). */
const TermInput = Type.Object(
  { id: Type.Optional(Id), name: Type.Optional(TermName) },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description:
      'One of: `{"id": 3}`, an existing term; `{"name": "Databases"}`, the term of that name (or whose slug the name gives), ' +
      'created when there is none if you are an editor or admin (authors: a 400 naming the field).',
  },
)

export const RevisionParams = Type.Object({ id: Id, rev: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
/** The longest Markdown body a post, a page or a preview takes. */
export const MAX_BODY_LENGTH = 200_000
const optionalFields = {
  slug: Type.Optional(Slug(200)),
  body: Type.Optional(Type.String({ maxLength: MAX_BODY_LENGTH })),
  excerpt: Type.Optional(Type.String({ maxLength: 1000 })),
  cover: Type.Optional(
    Type.Union([Type.Object({ id: Id }, { additionalProperties: false }), Type.Null()], {
      description: 'the cover image by media id (`{"id": 12}`: your upload, or any for editors); null removes it',
    }),
  ),
  seo_title: Type.Optional(Type.String({ maxLength: 200 })),
  seo_description: Type.Optional(Type.String({ maxLength: 500 })),
}
const termFields = {
  tags: Type.Optional(Type.Array(TermInput, { maxItems: 50, description: 'replaces the post’s tags' })),
  categories: Type.Optional(Type.Array(TermInput, { maxItems: 20, description: 'replaces the post’s categories' })),
}

/** Create and PATCH bodies; pages have no tags or categories, so sending them is a 400. */
export function writeBodies(type: PostType) {
  const optional = type === 'post' ? { ...optionalFields, ...termFields } : optionalFields
  return {
    create: Type.Object({ title: Title, ...optional }, { additionalProperties: false }),
    patch: Type.Object({ title: Type.Optional(Title), ...optional }, { additionalProperties: false, minProperties: 1 }),
  }
}

/** A cover image, ready for an `<img>` or a `<picture>` (URLs site-relative, like every media URL). */
const Cover = Type.Object(
  {
    id: Type.Integer({ description: 'the media item (send `{"id": …}` as `cover` to keep or set it)' }),
    url: Type.String({ description: 'the original file, immutable' }),
    alt: Type.String(),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    srcset: Type.Array(Type.Object({ type: Type.String(), srcset: Type.String() }), {
      description: 'one `<source>` per format (AVIF, WebP, then the original’s), `url width` pairs; empty until the variants are made',
    }),
  },
  { description: 'a cover image, ready for an `<img>` or a `<picture>`' },
)

/** A post or page as every read and write answers it: render-ready (issue 10, item 5; decision 0019). */
export const Post = Type.Object(
  {
    id: Type.Integer(),
    type: OneOf(['post', 'page'] as const),
    title: Type.String(),
    slug: Type.String(),
    url: Nullable(
      Type.String({ description: 'the site-relative path the public site shows it at (/blog/{slug}, /{slug}); null unless published' }),
    ),
    body: Type.Optional(Type.String()),
    body_html: Type.Optional(Type.String({ description: 'the sanitised rendering of body, stored at save time' })),
    excerpt: Type.String(),
    seo_title: Type.String(),
    seo_description: Type.String(),
    author: Type.Object({ id: Type.Integer(), name: Type.String({ description: 'the display name' }) }),
    cover: Nullable(Cover),
    status: OneOf(['draft', 'scheduled', 'published', 'archived'] as const),
    publish_at: Time,
    published_at: Time,
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    tags: Type.Optional(Type.Array(TermRef, { description: 'posts only, by name' })),
    categories: Type.Optional(Type.Array(TermRef, { description: 'posts only, by name' })),
  },
  { $id: 'Post' },
)
export const PostPage = Page(Post)

export const Revision = Type.Object(
  {
    number: Type.Integer(),
    title: Type.String(),
    slug: Type.String(),
    body: Type.String(),
    body_html: Type.String(),
    excerpt: Type.String(),
    seo_title: Type.String(),
    seo_description: Type.String(),
    cover_media_id: Type.Union([Type.Integer(), Type.Null()]),
    created_by: Type.Union([Type.Integer(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Revision' },
)

export const RevisionPage = Page(Revision)
export const RevisionListQuery = QueryString({ ...PageQuery })

/** Someone content can be filtered by (GET /api/v1/authors): no e-mail address, no role. */
export const Author = Type.Object({ id: Type.Integer(), name: Type.String({ description: 'the display name' }) }, { $id: 'Author' })
export const AuthorPage = Page(Author)
export const AuthorListQuery = QueryString({
  ...PageQuery,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a part of the name' })),
})

const listFilters = {
  ...PageQuery,
  ...TotalQuery,
  status: Type.Optional(PostStatus),
  author: Type.Optional(Id),
  slug: Type.Optional(Slug(200)),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'search: the words (websearch syntax: "phrase", -word, or) in the title, excerpt or body, or the text anywhere in the title (type-ahead)',
    }),
  ),
  sort: Type.Union([Type.Literal('newest'), Type.Literal('oldest'), Type.Literal('updated'), Type.Literal('title')], {
    default: 'newest',
    description:
      'newest/oldest: by publication time (drafts never published: by creation time); updated: last changed first; title: A to Z',
  }),
}
const PostListQuery = QueryString({ ...listFilters, tag: Type.Optional(Slug(100)), category: Type.Optional(Slug(100)) })
const PageListQuery = QueryString(listFilters)
/**
 * Pages have no tags or categories, so filtering them by one is a 400. A valid
 * page query is a post query without those two optional filters, so one type
 * serves both: handlers see `tag` and `category` as possibly undefined.
 */
export const ListQuery = (type: PostType): typeof PostListQuery =>
  type === 'post' ? PostListQuery : (PageListQuery as TObject as typeof PostListQuery)

export const ScheduleBody = Type.Object({ publish_at: Type.String({ format: 'date-time' }) }, { additionalProperties: false })

export const TermSchema = Type.Object(
  { id: Type.Integer(), slug: Type.String(), name: Type.String(), created_at: Type.String({ format: 'date-time' }) },
  { $id: 'Term' },
)
export const TermPage = Page(TermSchema)
export const TermBody = Type.Object({ name: TermName, slug: Type.Optional(Slug(100)) }, { additionalProperties: false })
export const RedirectQuery = QueryString({ path: Type.String({ minLength: 1, maxLength: 300, pattern: '^/' }) })
