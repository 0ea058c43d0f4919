import type { PostRow, RevisionRow, TermRef } from './content.queries.ts'
import type { TermRow } from './terms.queries.ts'

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
const term = (t: TermRef) => ({ id: t.id, name: t.name, slug: t.slug })

export type PostTerms = { tags: TermRef[]; categories: TermRef[] }

type PresentedRow = Omit<PostRow, 'body' | 'body_html'> & Partial<Pick<PostRow, 'body' | 'body_html'>>

/** The one place a post or page row becomes API output (STYLE §8). List rows come without bodies. */
export function presentPost(row: PresentedRow, terms: PostTerms | undefined) {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    slug: row.slug,
    ...(row.body !== undefined ? { body: row.body, body_html: row.body_html } : {}),
    excerpt: row.excerpt,
    cover_media_id: row.cover_media_id,
    seo_title: row.seo_title,
    seo_description: row.seo_description,
    author_id: row.author_id,
    status: row.status,
    publish_at: iso(row.publish_at),
    published_at: iso(row.published_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    ...(row.type === 'post' && terms ? { tags: terms.tags.map(term), categories: terms.categories.map(term) } : {}),
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
