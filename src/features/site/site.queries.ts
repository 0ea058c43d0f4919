import { type Db, sql } from '#core/db/database.ts'
import { type PostType, type TermRef, termsJson } from '../content/content.queries.ts'
import { SITE_INFO_KEYS } from '../settings/settings.service.ts'

/**
 * The public site's reads (issue 4, part 6). Each page is one statement: the
 * site's settings and page list, the content, its author, terms and cover
 * image with its variants come back together, built as JSON by the database,
 * so a page costs one round trip and no query per item (STYLE §4).
 */

export type SiteJson = { settings: Record<string, unknown>; pages: { title: string; slug: string }[] }
export type VariantJson = { format: 'jpg' | 'png' | 'webp' | 'avif'; width: number; sha256: string }
export type CoverJson = {
  sha256: string
  extension: string
  width: number | null
  height: number | null
  alt: string
  variants: VariantJson[]
}
/** A post as a list shows it. Times are ISO 8601 strings (JSON). */
export type CardJson = {
  id: number
  type: PostType
  title: string
  slug: string
  excerpt: string
  published_at: string
  author: string
  tags: TermRef[]
  cover: CoverJson | null
}
export type EntryRow = Omit<CardJson, 'published_at'> & {
  body_html: string
  seo_title: string
  seo_description: string
  categories: TermRef[]
  published_at: Date
  updated_at: Date
}

/** The settings the theme shows and the published pages (for the menus), as one JSON value. */
const SITE = sql`json_build_object(
  'settings', (select coalesce(json_object_agg(key, value), '{}') from settings where key = any(${SITE_INFO_KEYS}::text[])),
  'pages', (select coalesce(json_agg(json_build_object('title', x.title, 'slug', x.slug) order by x.id), '[]')
    from (select id, title, slug from posts where type = 'page' and status = 'published' order by id limit 20) x))`

const COVER = sql`(select json_build_object('sha256', m.sha256, 'extension', m.extension, 'width', m.width, 'height', m.height,
    'alt', m.alt, 'variants', (select coalesce(json_agg(json_build_object('format', v.format, 'width', v.width, 'sha256', v.sha256)
      order by v.format, v.width), '[]') from media_variants v where v.media_id = m.id))
  from media m where m.id = p.cover_media_id)`

const CARD = sql`json_build_object('id', p.id, 'type', p.type, 'title', p.title, 'slug', p.slug, 'excerpt', p.excerpt,
  'published_at', p.published_at, 'author', u.name, 'tags', ${termsJson('tags')}, 'cover', ${COVER})`

export const findSite = (db: Db) =>
  sql<{ site: SiteJson }>`select ${SITE} as site`.execute(db).then((r) => (r.rows[0] as { site: SiteJson }).site)

export type ListFilter = { tag?: string; category?: string }
export type TermJson = { id: number; name: string; slug: string }

/**
 * A page of published posts, newest first by publication time (the partial
 * index posts_published_idx), `limit + 1` of them so the caller knows whether
 * an older page exists; with the tag or category that filters them, null when
 * no such term exists. `has_admin` tells an empty home page whether to welcome
 * a new owner.
 */
export const listPublishedPosts = (db: Db, f: ListFilter & { limit: number; offset: number }) => {
  const tag = f.tag ?? null
  const category = f.category ?? null
  return sql<{ site: SiteJson; posts: CardJson[]; term: TermJson | null; has_admin: boolean }>`select ${SITE} as site,
      (select coalesce(json_agg(x.card order by x.published_at desc, x.id desc), '[]') from (
        select ${CARD} as card, p.published_at, p.id from posts p join users u on u.id = p.author_id
        where p.type = 'post' and p.status = 'published'
          and (${tag}::text is null or exists (select 1 from post_tags pt join tags t on t.id = pt.tag_id
            where pt.post_id = p.id and t.slug = ${tag}::text))
          and (${category}::text is null or exists (select 1 from post_categories pc join categories c on c.id = pc.category_id
            where pc.post_id = p.id and c.slug = ${category}::text))
        order by p.published_at desc, p.id desc limit ${f.limit + 1} offset ${f.offset}) x) as posts,
      case when ${tag}::text is not null then (select json_build_object('id', id, 'name', name, 'slug', slug) from tags where slug = ${tag}::text)
           when ${category}::text is not null then (select json_build_object('id', id, 'name', name, 'slug', slug) from categories where slug = ${category}::text)
      end as term,
      exists (select 1 from users where role = 'admin') as has_admin`
    .execute(db)
    .then((r) => r.rows[0] as { site: SiteJson; posts: CardJson[]; term: TermJson | null; has_admin: boolean })
}

/** A published post or page by slug, with the site; `entry` null when there is none. */
export async function findPublishedEntry(db: Db, type: PostType, slug: string): Promise<{ site: SiteJson; entry: EntryRow | null }> {
  const rows = await sql<EntryRow & { site: SiteJson }>`select ${SITE} as site, e.* from (select 1) one left join lateral (
      select p.id, p.type, p.title, p.slug, p.excerpt, p.body_html, p.seo_title, p.seo_description, p.published_at, p.updated_at,
        u.name as author, ${termsJson('tags')} as tags, ${termsJson('categories')} as categories, ${COVER} as cover
      from posts p join users u on u.id = p.author_id
      where p.type = ${type} and p.slug = ${slug} and p.status = 'published') e on true`.execute(db)
  const { site, ...entry } = rows.rows[0] as EntryRow & { site: SiteJson }
  return { site, entry: entry.id === null ? null : (entry as EntryRow) }
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
  author: string
  tags: TermRef[]
  published_at: Date
  updated_at: Date
}

/** The latest published posts with their bodies, for /feed.xml. */
export const listFeedPosts = (db: Db, limit: number) =>
  sql<FeedRow & { site: SiteJson }>`select ${SITE} as site, e.* from (select 1) one left join lateral (
      select p.id, p.title, p.slug, p.excerpt, p.body_html, u.name as author, ${termsJson('tags')} as tags, p.published_at, p.updated_at
      from posts p join users u on u.id = p.author_id
      where p.type = 'post' and p.status = 'published' order by p.published_at desc, p.id desc limit ${limit}) e on true`
    .execute(db)
    .then((r) => {
      const site = (r.rows[0] as { site: SiteJson }).site
      return { site, posts: r.rows.filter((row) => row.id !== null).map(({ site: _site, ...post }) => post as FeedRow) }
    })
