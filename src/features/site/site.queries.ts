import { type Db, sql } from '#core/db/database.ts'
import {
  COVER_COLUMNS,
  type Cover,
  type CoverColumns,
  coverFrom,
  parseTerms,
  type TermRef,
  termsArray,
} from '../content/content.queries.ts'
import type { PostType } from '../content/content.schemas.ts'
import { SITE_INFO_KEYS } from '../settings/settings.service.ts'

/**
 * The public site's reads (issue 4, part 6). A page is one statement — the
 * site (settings and pages for the menus, one JSON value) rides along as a
 * column — and no query per item (STYLE §4): each post comes with its
 * author, its terms and its cover with the cover's variants, the lists of them
 * as text (an array of terms, one string of variants), which PostgreSQL builds
 * and Node reads far more cheaply than JSON objects.
 * Filters are chosen in code, so each statement has one shape and a plan that
 * PostgreSQL can keep.
 */

export type SiteJson = { settings: Record<string, unknown>; pages: { title: string; slug: string }[] }
export type { Cover }
/** A post as a list shows it. */
export type Card = {
  id: number
  type: PostType
  title: string
  slug: string
  excerpt: string
  published_at: Date
  author_id: number
  author: string
  tags: TermRef[]
  cover: Cover | null
}
export type Entry = Card & { body_html: string; seo_title: string; seo_description: string; updated_at: Date; categories: TermRef[] }

/** The settings the theme shows and the published pages (for the menus), as one JSON value. */
const SITE = sql`json_build_object(
  'settings', (select coalesce(json_object_agg(key, value), '{}') from settings where key = any(${SITE_INFO_KEYS}::text[])),
  'pages', (select coalesce(json_agg(json_build_object('title', x.title, 'slug', x.slug) order by x.id), '[]')
    from (select id, title, slug from posts where type = 'page' and status = 'published' order by id limit 20) x))`

export const findSite = (db: Db) =>
  sql<{ site: SiteJson }>`select ${SITE} as site`.execute(db).then((r) => (r.rows[0] as { site: SiteJson }).site)

/**
 * The site as text in a column of the content's own statement: PostgreSQL
 * computes it once (an InitPlan) and repeats it on each row, which costs far
 * less than a second round trip; the caller parses it from the first row.
 * Exported for the product pages (products/pages.queries.ts), which do the same.
 */
export const SITE_COLUMN = sql`(${SITE})::text as site_json`
export const siteOf = async (db: Db, rows: { site_json: string }[]): Promise<SiteJson> =>
  rows[0] ? (JSON.parse(rows[0].site_json) as SiteJson) : findSite(db)

const CARD_COLUMNS = sql`p.id, p.type, p.title, p.slug, p.excerpt, p.published_at, p.author_id, u.name as author,
  ${termsArray('tags')} as tags, ${COVER_COLUMNS}`
const CARD_FROM = sql`posts p join users u on u.id = p.author_id left join media m on m.id = p.cover_media_id`

type CardRow = Omit<Card, 'tags' | 'cover'> & CoverColumns & { tags: string[] }

function cardFrom(row: CardRow): Card {
  const { id, type, title, slug, excerpt, published_at, author_id, author, tags } = row
  return { id, type, title, slug, excerpt, published_at, author_id, author, tags: parseTerms(tags), cover: coverFrom(row) }
}

export type ListFilter = { tag?: string; category?: string }

/**
 * A page of published posts, newest first by publication time (the partial
 * index posts_published_idx), `limit + 1` of them so the caller knows whether
 * an older page exists.
 *
 * The limit (a constant of the caller's) and a first page's offset are written
 * into the statement: given them as parameters, PostgreSQL re-plans the
 * statement at every execution (its generic plan looks dearer without the
 * numbers), which measured 0.77 ms of its CPU per home page against 0.34 ms.
 * Deeper pages pass the offset as a parameter, so crawling them cannot fill
 * the statement cache with one statement per page.
 */
export async function listPublishedPosts(
  db: Db,
  f: ListFilter & { limit: number; offset: number },
): Promise<{ site: SiteJson; posts: Card[] }> {
  const filter =
    f.tag !== undefined
      ? sql`and exists (select 1 from post_tags pt join tags t on t.id = pt.tag_id where pt.post_id = p.id and t.slug = ${f.tag})`
      : f.category !== undefined
        ? sql`and exists (select 1 from post_categories pc join categories c on c.id = pc.category_id
            where pc.post_id = p.id and c.slug = ${f.category})`
        : sql``
  const { rows } = await sql<CardRow & { site_json: string }>`select ${SITE_COLUMN}, ${CARD_COLUMNS} from ${CARD_FROM}
    where p.type = 'post' and p.status = 'published' ${filter}
    order by p.published_at desc, p.id desc limit ${sql.lit(f.limit + 1)} offset ${f.offset === 0 ? sql.lit(0) : f.offset}`.execute(db)
  return { site: await siteOf(db, rows), posts: rows.map((row) => cardFrom(row)) }
}

export type TermJson = { id: number; name: string; slug: string }

/** A tag or category by slug. */
export const findTerm = (db: Db, kind: 'tags' | 'categories', slug: string) =>
  (kind === 'tags'
    ? sql<TermJson>`select id, name, slug from tags where slug = ${slug}`
    : sql<TermJson>`select id, name, slug from categories where slug = ${slug}`
  )
    .execute(db)
    .then((r) => r.rows[0])

/** Whether the site has an administrator (an empty home page without one welcomes the new owner). */
export const hasAdministrator = (db: Db) =>
  sql<{ found: boolean }>`select exists (select 1 from users where role = 'admin') as found`
    .execute(db)
    .then((r) => r.rows[0]?.found === true)

/** A published post or page by slug, with the site; `entry` undefined when there is none. */
export async function findPublishedEntry(db: Db, type: PostType, slug: string): Promise<{ site: SiteJson; entry: Entry | undefined }> {
  const { rows } = await sql<CardRow & Omit<Entry, keyof Card> & { categories: string[]; site_json: string }>`select ${SITE_COLUMN},
      ${CARD_COLUMNS}, p.body_html, p.seo_title, p.seo_description, p.updated_at, ${termsArray('categories')} as categories
    from ${CARD_FROM} where p.type = ${type} and p.slug = ${slug} and p.status = 'published'`.execute(db)
  const site = await siteOf(db, rows)
  const row = rows[0]
  if (!row) return { site, entry: undefined }
  const entry: Entry = {
    ...cardFrom(row),
    body_html: row.body_html,
    seo_title: row.seo_title,
    seo_description: row.seo_description,
    updated_at: row.updated_at,
    categories: parseTerms(row.categories),
  }
  return { site, entry }
}

export type SitemapRow = { path_type: 'post' | 'page' | 'tag' | 'category'; slug: string; updated_at: Date }

/** Every public URL with content behind it: published posts and pages, and the tags and categories that have some. */
export const listSitemapEntries = (db: Db, limit: number) =>
  sql<SitemapRow>`select type as path_type, slug, updated_at from posts where status = 'published'
    union all
    select 'tag', t.slug, max(p.updated_at) from tags t join post_tags pt on pt.tag_id = t.id
      join posts p on p.id = pt.post_id and p.status = 'published' group by t.slug
    union all
    select 'category', c.slug, max(p.updated_at) from categories c join post_categories pc on pc.category_id = c.id
      join posts p on p.id = pc.post_id and p.status = 'published' group by c.slug
    limit ${limit}`
    .execute(db)
    .then((r) => r.rows)

export type FeedRow = {
  id: number
  title: string
  slug: string
  excerpt: string
  body_html: string
  author_id: number
  author: string
  tags: TermRef[]
  published_at: Date
  updated_at: Date
}

/** The latest published posts with their bodies, for /feed.xml. */
export const listFeedPosts = (db: Db, limit: number) =>
  sql<Omit<FeedRow, 'tags'> & { tags: string[] }>`select p.id, p.title, p.slug, p.excerpt, p.body_html, p.author_id, u.name as author,
      ${termsArray('tags')} as tags, p.published_at, p.updated_at
    from posts p join users u on u.id = p.author_id
    where p.type = 'post' and p.status = 'published' order by p.published_at desc, p.id desc limit ${limit}`
    .execute(db)
    .then((r) => r.rows.map((row): FeedRow => ({ ...row, tags: parseTerms(row.tags) })))
