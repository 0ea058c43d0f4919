import { type Static, type TObject, Type } from 'typebox'
import { Id, PageQuery, QueryString } from '#core/http/schemas.ts'

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
const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
const Term = Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String() })

export const RevisionParams = Type.Object({ id: Id, rev: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })

const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
const optionalFields = {
  slug: Type.Optional(Slug(200)),
  body: Type.Optional(Type.String({ maxLength: 200_000 })),
  excerpt: Type.Optional(Type.String({ maxLength: 1000 })),
  cover_media_id: Type.Optional(Type.Union([Id, Type.Null()])),
  seo_title: Type.Optional(Type.String({ maxLength: 200 })),
  seo_description: Type.Optional(Type.String({ maxLength: 500 })),
}
const termFields = {
  tag_ids: Type.Optional(Type.Array(Id, { maxItems: 50, uniqueItems: true })),
  category_ids: Type.Optional(Type.Array(Id, { maxItems: 20, uniqueItems: true })),
}

/** Create and PATCH bodies; pages have no tags or categories, so sending them is a 400. */
export function writeBodies(type: PostType) {
  const optional = type === 'post' ? { ...optionalFields, ...termFields } : optionalFields
  return {
    create: Type.Object({ title: Title, ...optional }, { additionalProperties: false }),
    patch: Type.Object({ title: Type.Optional(Title), ...optional }, { additionalProperties: false, minProperties: 1 }),
  }
}

export const Post = Type.Object({
  id: Type.Integer(),
  type: PostType,
  title: Type.String(),
  slug: Type.String(),
  body: Type.Optional(Type.String()),
  body_html: Type.Optional(Type.String({ description: 'the sanitised rendering of body, stored at save time' })),
  excerpt: Type.String(),
  cover_media_id: Type.Union([Type.Integer(), Type.Null()]),
  seo_title: Type.String(),
  seo_description: Type.String(),
  author_id: Type.Integer(),
  status: PostStatus,
  publish_at: Time,
  published_at: Time,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  tags: Type.Optional(Type.Array(Term)),
  categories: Type.Optional(Type.Array(Term)),
})

export const Revision = Type.Object({
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
})

const listFilters = {
  ...PageQuery,
  status: Type.Optional(PostStatus),
  author: Type.Optional(Id),
  slug: Type.Optional(Slug(200)),
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

export const TermSchema = Type.Object({ id: Type.Integer(), name: Type.String(), slug: Type.String(), created_at: Type.String() })
export const TermBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }), slug: Type.Optional(Slug(100)) },
  { additionalProperties: false },
)
export const RedirectQuery = QueryString({ path: Type.String({ minLength: 1, maxLength: 300, pattern: '^/' }) })
