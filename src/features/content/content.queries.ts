import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import type { PostStatus, PostType } from './content.schemas.ts'
import { searchText } from './markdown.ts'

export type PostRow = {
  id: number
  type: PostType
  title: string
  slug: string
  body: string
  body_html: string
  excerpt: string
  cover_media_id: number | null
  seo_title: string
  seo_description: string
  author_id: number
  status: PostStatus
  publish_at: Date | null
  published_at: Date | null
  created_at: Date
  updated_at: Date
}

/** The fields a save writes (and a revision keeps). */
export type PostContent = Pick<
  PostRow,
  'title' | 'slug' | 'body' | 'body_html' | 'excerpt' | 'cover_media_id' | 'seo_title' | 'seo_description'
>

const POST_COLUMNS = sql`id, type, title, slug, body, body_html, excerpt, cover_media_id, seo_title, seo_description,
  author_id, status, publish_at, published_at, created_at, updated_at`

/**
 * Who may see what: editors and admins everything; anyone else published
 * content, plus an author their own. `viewerId` null is an anonymous caller.
 */
export type Visibility = { seeAll: boolean; viewerId: number | null }

/** On `posts p`. */
const visible = (v: Visibility) =>
  v.seeAll ? sql`true` : v.viewerId === null ? sql`p.status = 'published'` : sql`(p.status = 'published' or p.author_id = ${v.viewerId})`

/** Editors and admins edit everything; an author only their own drafts (the owner check is in the statement, STYLE §2). */
export type EditRight = { editAll: boolean; actorId: number }
const editable = (r: EditRight) => sql`(${r.editAll} or (author_id = ${r.actorId} and status = 'draft'))`

export const findVisiblePost = (db: Db, type: PostType, id: number, v: Visibility) =>
  sql<PostRow>`select ${POST_COLUMNS} from posts p where type = ${type} and id = ${id} and ${visible(v)}`.execute(db).then((r) => r.rows[0])

/**
 * The orders of the posts and pages lists (decision 0013): `newest`/`oldest` by
 * publication time (never-published drafts by creation time), `updated` most
 * recently changed first, `title` A to Z; ties by id. Each has an index
 * (migrations 0021 and 0023).
 */
export const POST_SORTS = {
  newest: { name: 'newest', direction: 'desc', key: 'timestamptz' },
  oldest: { name: 'oldest', direction: 'asc', key: 'timestamptz' },
  updated: { name: 'updated', direction: 'desc', key: 'timestamptz' },
  title: { name: 'title', direction: 'asc', key: 'text' },
} as const satisfies Record<string, Sort>
export type PostSort = keyof typeof POST_SORTS

/**
 * The key of a sort. A list of published content only orders by `published_at`
 * (posts_published_idx); one that may hold drafts by `coalesce(published_at,
 * created_at)`: the same values for published rows, which always have a
 * publication time (a check since migration 0023), so both give the same order
 * and the same cursors.
 */
function postSortKey(sort: PostSort, publishedOnly: boolean) {
  if (sort === 'newest' || sort === 'oldest') return publishedOnly ? sql`p.published_at` : sql`coalesce(p.published_at, p.created_at)`
  return sort === 'updated' ? sql`p.updated_at` : sql`p.title`
}

export type PostFilter = {
  limit: number
  sort: PostSort
  /** The position of the previous page's last row. */
  after?: Cursor
  status?: PostStatus
  authorId?: number
  slug?: string
  /** Words in the title, excerpt or body (full text), or a piece of the title. */
  q?: string
  tag?: string
  category?: string
}

export type TermRef = { id: number; name: string; slug: string }
export type VariantRef = { format: 'jpg' | 'png' | 'webp' | 'avif'; width: number; sha256: string }
/** A cover image as a post shows it: the media row's key and size, its alt text and its variants. */
export type Cover = {
  id: number
  sha256: string
  extension: string
  width: number | null
  height: number | null
  alt: string
  variants: VariantRef[]
}

/**
 * A post or page ready to show (issue 10, item 5): its row with its author's
 * name, its cover (with the cover's variants) and its terms, all from one
 * statement. Lists leave out the bodies (except a lookup by slug).
 */
export type PostView = Omit<PostRow, 'body' | 'body_html'> &
  Partial<Pick<PostRow, 'body' | 'body_html'>> & { author_name: string; cover: Cover | null; tags: TermRef[]; categories: TermRef[] }
/** A row of a list: a PostView and its position (keyset). */
export type PostListRow = PostView & { cursor_key: string }

const VIEW_COLUMNS = sql`p.id, p.type, p.title, p.slug, p.excerpt, p.cover_media_id, p.seo_title, p.seo_description,
  p.author_id, p.status, p.publish_at, p.published_at, p.created_at, p.updated_at, u.name as author_name`
/** Posts with their author (every post has one) and their cover, if any: `p`, `u`, `m` for the columns. */
const VIEW_FROM = sql`posts p join users u on u.id = p.author_id left join media m on m.id = p.cover_media_id`

/**
 * The cover of post `p` (media `m`, left-joined), with its variants as one
 * string of "format width sha256" items joined by commas (none of the three
 * holds a space or a comma; null without variants): text, which PostgreSQL
 * builds and Node reads far more cheaply than JSON. `coverFrom` reads it back.
 * The public site's statements (site.queries.ts) use the same columns.
 * In no particular order: srcsetOf orders them (an `order by` in the aggregate
 * cost PostgreSQL a sort per row, ~0.03 of the home statement's ~0.21 ms).
 */
export const COVER_COLUMNS = sql`m.id as cover_id, m.sha256 as cover_sha256, m.extension as cover_extension,
  m.width as cover_width, m.height as cover_height, m.alt as cover_alt,
  (select string_agg(v.format || ' ' || v.width || ' ' || v.sha256, ',')
    from media_variants v where v.media_id = m.id) as cover_variants`

export type CoverColumns = {
  cover_id: number | null
  cover_sha256: string
  cover_extension: string
  cover_width: number | null
  cover_height: number | null
  cover_alt: string
  cover_variants: string | null
}

export function coverFrom(row: CoverColumns): Cover | null {
  if (row.cover_id === null) return null
  return {
    id: row.cover_id,
    sha256: row.cover_sha256,
    extension: row.cover_extension,
    width: row.cover_width,
    height: row.cover_height,
    alt: row.cover_alt,
    variants: (row.cover_variants === null ? [] : row.cover_variants.split(',')).map((value) => {
      const [format, width, sha256] = value.split(' ')
      return { format: format as VariantRef['format'], width: Number(width), sha256: sha256 as string }
    }),
  }
}

/**
 * The terms of post `p`, ordered by name, as a text array of "id slug name"
 * (a slug has no spaces): one subquery per row on the join table's key, and
 * plain text, which PostgreSQL builds and sends far more cheaply than JSON
 * objects. `parseTerms` reads it back.
 */
export const termsArray = (kind: 'tags' | 'categories') =>
  kind === 'tags'
    ? sql`array(select t.id || ' ' || t.slug || ' ' || t.name from post_tags pt join tags t on t.id = pt.tag_id
        where pt.post_id = p.id order by t.name)`
    : sql`array(select c.id || ' ' || c.slug || ' ' || c.name from post_categories pc join categories c on c.id = pc.category_id
        where pc.post_id = p.id order by c.name)`

export function parseTerms(values: string[]): TermRef[] {
  return values.map((value) => {
    const first = value.indexOf(' ')
    const second = value.indexOf(' ', first + 1)
    return { id: Number(value.slice(0, first)), slug: value.slice(first + 1, second), name: value.slice(second + 1) }
  })
}

/** Pages have no terms: their statements leave the subqueries out. */
const termColumns = (type: PostType) =>
  type === 'post' ? sql`${termsArray('tags')} as tags, ${termsArray('categories')} as categories` : sql`null as tags, null as categories`

type ViewColumns = Omit<PostView, 'cover' | 'tags' | 'categories'> & CoverColumns & { tags: string[] | null; categories: string[] | null }

function viewFrom<Row extends ViewColumns>(row: Row): Omit<Row, keyof CoverColumns | 'tags' | 'categories'> & PostView {
  const { cover_id, cover_sha256, cover_extension, cover_width, cover_height, cover_alt, cover_variants, tags, categories, ...rest } = row
  const cover = coverFrom({ cover_id, cover_sha256, cover_extension, cover_width, cover_height, cover_alt, cover_variants })
  return { ...rest, cover, tags: parseTerms(tags ?? []), categories: parseTerms(categories ?? []) }
}

/** One post or page that `v` may see, ready to show, with its body: one statement. */
export const findPostView = (db: Db, type: PostType, id: number, v: Visibility) =>
  sql<ViewColumns>`select ${VIEW_COLUMNS}, p.body, p.body_html, ${termColumns(type)}, ${COVER_COLUMNS}
    from ${VIEW_FROM} where p.type = ${type} and p.id = ${id} and ${visible(v)}`
    .execute(db)
    .then((r) => (r.rows[0] === undefined ? undefined : viewFrom(r.rows[0])))

/** The conditions of a list's filters, without its cursor: the list and its count share them. */
function listConditions(type: PostType, v: Visibility, f: PostFilter) {
  const where = [sql`p.type = ${type}`, visible(v)]
  if (f.status !== undefined) where.push(sql`p.status = ${f.status}`)
  if (f.authorId !== undefined) where.push(sql`p.author_id = ${f.authorId}`)
  if (f.slug !== undefined) where.push(sql`p.slug = ${f.slug}`)
  if (f.q !== undefined) {
    // The writers' lists (drafts too): the vector the public search reads
    // (migration 0025, same configuration), or a piece of the title, so a title
    // being typed is found before its last word is whole. No index covers drafts
    // (the GIN index is for published rows): a site's own posts, scanned.
    const piece = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    where.push(sql`(p.search_vector @@ websearch_to_tsquery('english'::regconfig, ${f.q}) or p.title ilike ${piece})`)
  }
  if (f.tag !== undefined) {
    where.push(sql`exists (select 1 from post_tags pt join tags t on t.id = pt.tag_id where pt.post_id = p.id and t.slug = ${f.tag})`)
  }
  if (f.category !== undefined) {
    where.push(sql`exists (select 1 from post_categories pc join categories c on c.id = pc.category_id
      where pc.post_id = p.id and c.slug = ${f.category})`)
  }
  return where
}

/**
 * One page of a type's posts in one of POST_SORTS (keyset on the sort key and
 * id), ready to show: author, cover with its variants, and terms gathered in
 * the same statement, one round trip per list. Only the filters given are in
 * the statement, so each combination is its own prepared statement with a plan
 * of its own. Bodies are left out, except for a lookup by slug (at most one
 * row), which is how a front end fetches the post to show.
 */
export async function listPosts(db: Db, type: PostType, v: Visibility, f: PostFilter): Promise<PostListRow[]> {
  const publishedOnly = f.status === 'published' || (!v.seeAll && v.viewerId === null)
  const order = keyset(POST_SORTS[f.sort], { key: postSortKey(f.sort, publishedOnly), id: sql`p.id` }, f.after)
  const where = listConditions(type, v, f)
  if (f.after !== undefined) where.push(order.after)
  const bodies = f.slug === undefined ? sql`` : sql`p.body, p.body_html,`
  // The limit (1-100, validated by the route) is written into the statement, as
  // the public lists' is (site.queries.ts): a parameter there makes PostgreSQL re-plan.
  if (!Number.isSafeInteger(f.limit) || f.limit < 1 || f.limit > 100) throw new RangeError(`limit out of range: ${f.limit}`)
  const rows = await sql<ViewColumns & { cursor_key: string }>`select ${VIEW_COLUMNS}, ${bodies} ${termColumns(type)},
      ${COVER_COLUMNS}, ${order.cursorKey}
    from ${VIEW_FROM} where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${sql.lit(f.limit + 1)}`.execute(db)
  return rows.rows.map(viewFrom)
}

/** How many posts the list's filters select, whatever the page (`?include_total=true`). */
export const countPosts = (db: Db, type: PostType, v: Visibility, f: Omit<PostFilter, 'after' | 'limit' | 'sort'>) =>
  sql<{ total: number }>`select count(*)::int as total from posts p
    where ${sql.join(listConditions(type, v, { ...f, limit: 1, sort: 'newest' }), sql` and `)}`
    .execute(db)
    .then((r) => (r.rows[0] as { total: number }).total)

/**
 * `search_text` is derived from `body_html` wherever a statement writes the body
 * (here and in updatePostContent), so the two never disagree; the search vector
 * is generated from it (migration 0025).
 */
export const insertPost = (db: Db, type: PostType, authorId: number, c: PostContent) =>
  sql<PostRow>`insert into posts (type, title, slug, body, body_html, search_text, excerpt, cover_media_id, seo_title,
      seo_description, author_id)
    values (${type}, ${c.title}, ${c.slug}, ${c.body}, ${c.body_html}, ${searchText(c.body_html)}, ${c.excerpt},
      ${c.cover_media_id}, ${c.seo_title}, ${c.seo_description}, ${authorId})
    returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as PostRow)

/** Locks the row for the rest of the transaction, when `r` may edit it. */
export const findEditablePostForUpdate = (db: Db, type: PostType, id: number, r: EditRight) =>
  sql<PostRow>`select ${POST_COLUMNS} from posts where type = ${type} and id = ${id} and ${editable(r)} for update`
    .execute(db)
    .then((res) => res.rows[0])

export const updatePostContent = (db: Db, id: number, c: PostContent) =>
  sql<PostRow>`update posts set title = ${c.title}, slug = ${c.slug}, body = ${c.body}, body_html = ${c.body_html},
      search_text = ${searchText(c.body_html)}, excerpt = ${c.excerpt}, cover_media_id = ${c.cover_media_id}, seo_title = ${c.seo_title},
      seo_description = ${c.seo_description}, updated_at = now()
    where id = ${id} returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as PostRow)

export const deleteEditablePost = (db: Db, type: PostType, id: number, r: EditRight) =>
  sql<Pick<PostRow, 'id' | 'status'>>`delete from posts where type = ${type} and id = ${id} and ${editable(r)} returning id, status`
    .execute(db)
    .then((res) => res.rows[0])

/** Publishing and its opposites. `published_at` keeps the first publication time across unpublish/publish. */
export const setPostPublished = (db: Db, type: PostType, id: number) =>
  sql<PostRow>`update posts set status = 'published', publish_at = null, published_at = coalesce(published_at, now()),
      updated_at = now()
    where type = ${type} and id = ${id} returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const setPostScheduled = (db: Db, type: PostType, id: number, publishAt: Date) =>
  sql<PostRow>`update posts set status = 'scheduled', publish_at = ${publishAt}, updated_at = now()
    where type = ${type} and id = ${id} and status in ('draft', 'scheduled') returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const setPostDraft = (db: Db, type: PostType, id: number) =>
  sql<PostRow>`update posts set status = 'draft', publish_at = null, updated_at = now()
    where type = ${type} and id = ${id} returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

/** Archived: off the public site and out of search, kept with its history and published_at (unpublish brings it back to draft). */
export const setPostArchived = (db: Db, type: PostType, id: number) =>
  sql<PostRow>`update posts set status = 'archived', publish_at = null, updated_at = now()
    where type = ${type} and id = ${id} returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

/**
 * Publishes a scheduled post whose time has come, in one conditional statement:
 * of two workers (or a retried job) only one finds the row still `scheduled`,
 * so it is published once. A post unpublished or rescheduled later since the
 * job was queued is left alone. Due means `publish_at <= now`: the job worker's
 * clock, not the database's (issue 8).
 */
export const publishDuePost = (db: Db, id: number, now: Date) =>
  sql<PostRow>`update posts set status = 'published', published_at = coalesce(published_at, publish_at), updated_at = now()
    where id = ${id} and status = 'scheduled' and publish_at <= ${now} returning ${POST_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

// --- revisions -------------------------------------------------------------

export type RevisionRow = PostContent & { id: number; post_id: number; number: number; created_by: number | null; created_at: Date }

const REVISION_COLUMNS = sql`id, post_id, number, title, slug, body, body_html, excerpt, seo_title, seo_description,
  cover_media_id, created_by, created_at`

/** Call with the post row locked (numbers are per post, max + 1). */
export const insertRevision = (db: Db, postId: number, createdBy: number, c: PostContent) =>
  sql<RevisionRow>`insert into post_revisions (post_id, number, title, slug, body, body_html, excerpt, seo_title,
      seo_description, cover_media_id, created_by)
    select ${postId}, coalesce(max(number), 0) + 1, ${c.title}, ${c.slug}, ${c.body}, ${c.body_html}, ${c.excerpt},
      ${c.seo_title}, ${c.seo_description}, ${c.cover_media_id}, ${createdBy}
    from post_revisions where post_id = ${postId}
    returning ${REVISION_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as RevisionRow)

/** Revisions newest first, by number (the (post_id, number) key), then id: a cursor carries both. */
export const REVISION_SORT = { name: 'revisions', direction: 'desc', key: 'bigint' } as const satisfies Sort

export function listRevisions(db: Db, postId: number, options: { limit: number; after: Cursor | undefined }) {
  const order = keyset(REVISION_SORT, { key: sql`number`, id: sql`id` }, options.after)
  return sql<RevisionRow & { cursor_key: number }>`select ${REVISION_COLUMNS}, ${order.cursorKey} from post_revisions
    where post_id = ${postId} and ${order.after} order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

export const findRevision = (db: Db, postId: number, number: number) =>
  sql<RevisionRow>`select ${REVISION_COLUMNS} from post_revisions where post_id = ${postId} and number = ${number}`
    .execute(db)
    .then((r) => r.rows[0])

// --- redirects -------------------------------------------------------------

export type RedirectRow = { from_path: string; to_path: string }

/**
 * Leaves `from` → `to` behind, re-points older redirects to `from` straight at
 * `to` (no chains), and drops a redirect from the new path (it is live again).
 */
export async function saveRedirect(db: Db, postId: number, from: string, to: string) {
  await sql`delete from redirects where from_path = ${to}`.execute(db)
  await sql`update redirects set to_path = ${to} where to_path = ${from}`.execute(db)
  await sql`insert into redirects (from_path, to_path, post_id) values (${from}, ${to}, ${postId})
    on conflict (from_path) do update set to_path = excluded.to_path, post_id = excluded.post_id`.execute(db)
}

export const findRedirect = (db: Db, path: string) =>
  sql<RedirectRow>`select from_path, to_path from redirects where from_path = ${path}`.execute(db).then((r) => r.rows[0])

// --- authors ---------------------------------------------------------------

/** Authors by name (then id), for the editors' author filter. */
export const AUTHOR_SORT = { name: 'authors', direction: 'asc', key: 'text' } as const satisfies Sort

export type AuthorRow = { id: number; name: string; cursor_key: string }

/**
 * The people content can be filtered by: users who may write (author and up)
 * and anyone who wrote a post or page (someone made a member since), by name;
 * `q` a part of the name. Only the filters given are in the statement (decision 0013).
 */
export function listAuthorRows(db: Db, options: { limit: number; after: Cursor | undefined; q: string | undefined }) {
  const order = keyset(AUTHOR_SORT, { key: sql`u.name`, id: sql`u.id` }, options.after)
  const where = [order.after, sql`(u.role in ('author', 'editor', 'admin') or exists (select 1 from posts p where p.author_id = u.id))`]
  if (options.q !== undefined) where.push(sql`strpos(lower(u.name), lower(${options.q})) > 0`)
  return sql<AuthorRow>`select u.id, u.name, ${order.cursorKey} from users u where ${sql.join(where, sql` and `)}
    order by ${order.orderBy} limit ${options.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}
