import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'

/**
 * Tags and categories: two vocabularies of the same shape (issue 4, part 1).
 * `kind` picks the tables from a closed set, never from input.
 */
export type TermKind = 'tags' | 'categories'
export type TermRow = { id: number; name: string; slug: string; created_at: Date; updated_at: Date }

const TABLES = {
  tags: { terms: sql.raw('tags'), join: sql.raw('post_tags'), key: sql.raw('tag_id') },
  categories: { terms: sql.raw('categories'), join: sql.raw('post_categories'), key: sql.raw('category_id') },
} as const

/** The orders of the tags and categories lists: `name` A to Z (terms_name_idx, migration 0023), `oldest` and `newest` by id. */
export const TERM_SORTS = {
  name: { name: 'name', direction: 'asc', key: 'text' },
  oldest: { name: 'oldest', direction: 'asc', key: null },
  newest: { name: 'newest', direction: 'desc', key: null },
} as const satisfies Record<string, Sort>
export type TermSort = keyof typeof TERM_SORTS

export function listTerms(db: Db, kind: TermKind, options: { limit: number; sort: TermSort; after?: Cursor }) {
  const order = keyset(TERM_SORTS[options.sort], { key: options.sort === 'name' ? sql`name` : undefined, id: sql`id` }, options.after)
  return sql<TermRow & { cursor_key: string | null }>`select id, name, slug, created_at, updated_at, ${order.cursorKey}
    from ${TABLES[kind].terms} where ${order.after}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const insertTerm = (db: Db, kind: TermKind, term: { name: string; slug: string }) =>
  sql<TermRow>`insert into ${TABLES[kind].terms} (name, slug) values (${term.name}, ${term.slug})
    returning id, name, slug, created_at, updated_at`
    .execute(db)
    .then((r) => r.rows[0] as TermRow)

export const deleteTerm = (db: Db, kind: TermKind, id: number) =>
  sql<{ id: number }>`delete from ${TABLES[kind].terms} where id = ${id} returning id`.execute(db).then((r) => r.rows[0])

/** The ids among `ids` that exist. */
export const existingTermIds = (db: Db, kind: TermKind, ids: number[]) =>
  sql<{ id: number }>`select id from ${TABLES[kind].terms} where id = any(${ids}::bigint[])`
    .execute(db)
    .then((r) => r.rows.map((row) => row.id))

/** Replaces a post's terms with `ids`. */
export async function setPostTerms(db: Db, kind: TermKind, postId: number, ids: number[]) {
  const t = TABLES[kind]
  await sql`delete from ${t.join} where post_id = ${postId}`.execute(db)
  if (ids.length > 0) {
    await sql`insert into ${t.join} (post_id, ${t.key}) select ${postId}, unnest(${ids}::bigint[])`.execute(db)
  }
}

/** How many terms there are (`?include_total=true`). */
export const countTerms = (db: Db, kind: TermKind) =>
  sql<{ total: number }>`select count(*)::int as total from ${TABLES[kind].terms}`
    .execute(db)
    .then((r) => (r.rows[0] as { total: number }).total)

export type TermMatch = { id: number; name: string; slug: string }

/** The terms named one of `names` or slugged one of `slugs` (tags_name_idx and the slug key), oldest first. */
export const findTermsByNameOrSlug = (db: Db, kind: TermKind, names: string[], slugs: string[]) =>
  sql<TermMatch>`select id, name, slug from ${TABLES[kind].terms} where name = any(${names}::text[]) or slug = any(${slugs}::text[])
    order by id`
    .execute(db)
    .then((r) => r.rows)

/**
 * Inserts the terms whose slug is free; a slug taken meanwhile (another writer
 * created the same term) is left alone, without an error: the caller reads it.
 */
export const insertTermsIfMissing = (db: Db, kind: TermKind, terms: { name: string; slug: string }[]) =>
  sql<TermMatch>`insert into ${TABLES[kind].terms} (name, slug)
    select * from unnest(${terms.map((t) => t.name)}::text[], ${terms.map((t) => t.slug)}::text[])
    on conflict (slug) do nothing returning id, name, slug`
    .execute(db)
    .then((r) => r.rows)
