import { type Db, sql } from '#core/db/database.ts'

/**
 * The few statements the demo seed needs that no service offers: content
 * published "months ago" and a check for slugs already taken. Everything else
 * goes through the content, media, settings and users code.
 */

/** Which of these post and page slugs exist already (the seed refuses to write over a site's own content). */
export const findTakenSlugs = (db: Db, postSlugs: string[], pageSlugs: string[]) =>
  sql<{ type: string; slug: string }>`select type, slug from posts
    where (type = 'post' and slug = any(${postSlugs}::text[])) or (type = 'page' and slug = any(${pageSlugs}::text[]))
    order by type, slug`
    .execute(db)
    .then((r) => r.rows)

/**
 * Moves a just-published post into the past, with its revisions, so the demo
 * has a history: written `createdAt`, published (and last changed) `publishedAt`.
 */
export async function backdatePost(db: Db, id: number, createdAt: Date, publishedAt: Date) {
  await sql`update posts set created_at = ${createdAt}, published_at = ${publishedAt}, updated_at = ${publishedAt}
    where id = ${id}`.execute(db)
  await sql`update post_revisions set created_at = ${createdAt} where post_id = ${id}`.execute(db)
}
