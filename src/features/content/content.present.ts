import { presentCover } from '../media/media.present.ts'
import type { AuthorRow, PostView, RevisionRow, TermRef } from './content.queries.ts'
import type { PostType } from './content.schemas.ts'
import type { TermRow } from './terms.queries.ts'

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
const term = (t: TermRef) => ({ id: t.id, slug: t.slug, name: t.name })

/** The public URL path of a post or page; a slug change of published content redirects from the old one. */
export const publicPath = (type: PostType, slug: string) => (type === 'post' ? `/blog/${slug}` : `/${slug}`)

/**
 * The one place a post or page becomes API output (STYLE §8), render-ready
 * (issue 10, item 5; decision 0019): `url` is the site-relative path the public
 * site serves it at (null until it is published, and once archived), `author`
 * only its id and display name, `cover` the image with its `srcset` (or null),
 * terms as `{id, slug, name}` (posts only). List rows come without bodies.
 */
export function presentPost(row: PostView) {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    slug: row.slug,
    url: row.status === 'published' ? publicPath(row.type, row.slug) : null,
    ...(row.body !== undefined ? { body: row.body, body_html: row.body_html } : {}),
    excerpt: row.excerpt,
    seo_title: row.seo_title,
    seo_description: row.seo_description,
    author: { id: row.author_id, name: row.author_name },
    cover: row.cover === null ? null : presentCover(row.cover),
    status: row.status,
    publish_at: iso(row.publish_at),
    published_at: iso(row.published_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    ...(row.type === 'post' ? { tags: row.tags.map(term), categories: row.categories.map(term) } : {}),
  }
}

export const presentRevision = (row: RevisionRow) => ({
  number: row.number,
  title: row.title,
  slug: row.slug,
  body: row.body,
  body_html: row.body_html,
  excerpt: row.excerpt,
  seo_title: row.seo_title,
  seo_description: row.seo_description,
  cover_media_id: row.cover_media_id,
  created_by: row.created_by,
  created_at: row.created_at.toISOString(),
})

export const presentTerm = (row: TermRow) => ({ ...term(row), created_at: row.created_at.toISOString() })

export const presentAuthor = (row: AuthorRow) => ({ id: Number(row.id), name: row.name })
