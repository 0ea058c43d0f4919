import { LRUCache } from 'lru-cache'
import { type ChangeTag, tags } from '#core/changes/changes.ts'
import { publicPath } from '../content/content.service.ts'
import { mediaUrl, srcsetOf } from '../media/media.service.ts'
import type { MediaKey } from '../media/media.store.ts'
import { siteInfoFrom } from '../settings/settings.service.ts'
import type { Card, Cover, Entry, FeedRow, SiteJson } from './site.queries.ts'

/**
 * What templates receive (the theme's data contract, documented in
 * themes/README.md): plain objects with display-ready values — paths, dates
 * written out in the site's language, image sources — so templates only place
 * them. The one place rows become page data (STYLE §8).
 */

export type SiteView = ReturnType<typeof siteView>

export function siteView(site: SiteJson) {
  const info = siteInfoFrom(site.settings)
  const pages = site.pages.map((page) => ({ title: page.title, path: publicPath('page', page.slug) }))
  return { ...info, pages, menu: pages.slice(0, 4) }
}

const dateFormats = new Map<string, Intl.DateTimeFormat>()
/** Days already written out, by language and UTC day: a page of cards writes ten, mostly the same few. */
const writtenDays = new LRUCache<string, string>({ max: 2000 })

/** "November 24, 2026" in the site's language (formatters are made once per language: they are slow to build). */
export function displayDate(value: Date, language: string): string {
  const key = `${language} ${Math.floor(value.getTime() / DAY_MS)}`
  let written = writtenDays.get(key)
  if (written === undefined) {
    written = formatFor(language).format(value)
    writtenDays.set(key, written)
  }
  return written
}

const DAY_MS = 86_400_000

function formatFor(language: string): Intl.DateTimeFormat {
  let format = dateFormats.get(language)
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' })
    } catch {
      format = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' })
    }
    dateFormats.set(language, format)
  }
  return format
}

const ORIGINAL_TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' }

export type ImageView = {
  src: string
  srcset: string
  sources: { type: string; srcset: string }[]
  width: number | null
  height: number | null
  alt: string
}

/** A `<picture>`: AVIF/WebP variants as sources, the original's format as the `<img>` srcset, the original as `src`. */
export const imageView = (cover: Cover): ImageView =>
  pictureView({
    url: mediaUrl(cover as MediaKey),
    width: cover.width,
    height: cover.height,
    alt: cover.alt,
    srcset: srcsetOf(cover.variants),
  })

/** The same `<picture>` from an image as the API presents it (its URL and its srcset per type): product images. */
export function pictureView(image: {
  url: string
  width: number | null
  height: number | null
  alt: string
  srcset: { type: string; srcset: string }[]
}): ImageView {
  const originalType = ORIGINAL_TYPES[image.url.slice(image.url.lastIndexOf('.') + 1)]
  return {
    src: image.url,
    srcset: image.srcset.find((source) => source.type === originalType)?.srcset ?? '',
    sources: image.srcset.filter((source) => source.type !== originalType),
    width: image.width,
    height: image.height,
    alt: image.alt,
  }
}

export function cardView(card: Card, language: string, index: number) {
  return {
    title: card.title,
    path: publicPath(card.type, card.slug),
    excerpt: card.excerpt,
    author: card.author,
    published_at: card.published_at.toISOString(),
    published_on: displayDate(card.published_at, language),
    tags: card.tags,
    cover: card.cover ? imageView(card.cover) : null,
    // The first two cards are likely on screen at load; the rest load lazily.
    lazy: index >= 2,
  }
}

export function entryView(entry: Entry, language: string) {
  return {
    title: entry.title,
    path: publicPath(entry.type, entry.slug),
    excerpt: entry.excerpt,
    author: entry.author,
    body_html: entry.body_html,
    published_at: entry.published_at.toISOString(),
    published_on: displayDate(entry.published_at, language),
    tags: entry.tags,
    categories: entry.categories,
    cover: entry.cover ? imageView(entry.cover) : null,
  }
}

// --- render tags (decision 0011) --------------------------------------------------
// What a page showed, in the change feed's vocabulary: a write that records one
// of these tags is what makes the page stale.

/** Every themed page: the site's title, description and language, and the menus of published pages. */
export const layoutTags: ChangeTag[] = [tags.site, tags.list('pages')]

/** A card or an entry: the item, its author's name, its tags (and categories) and its cover. */
export function itemTags(item: Card & { categories?: Card['tags'] }): ChangeTag[] {
  const shown: ChangeTag[] = [tags.content(item.type, item.id), tags.user(item.author_id)]
  for (const tag of item.tags) shown.push(tags.tag(tag.id))
  for (const category of item.categories ?? []) shown.push(tags.category(category.id))
  if (item.cover) shown.push(tags.media(item.cover.id))
  return shown
}

/** A feed entry: the post, its author and its tags (the feed shows no covers). */
export const feedItemTags = (post: FeedRow): ChangeTag[] => [
  tags.post(post.id),
  tags.user(post.author_id),
  ...post.tags.map((tag) => tags.tag(tag.id)),
]

// --- SEO ---------------------------------------------------------------------

export type MetaView = {
  title: string
  social_title: string
  description: string
  canonical: string | null
  og_type: 'website' | 'article'
  noindex: boolean
  image: { url: string; width: number | null; height: number | null; alt: string } | null
  published_time: string | null
  modified_time: string | null
  json_ld: string | null
}

/**
 * JSON for a `<script type="application/ld+json">` block: `<`, `>`, `&` and the
 * line separators are written as \u escapes, so no value can close the script
 * element or start a comment in it.
 */
export const jsonLd = (value: object) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

export function pageMeta(
  site: SiteView,
  publicUrl: string,
  page: { title?: string; description?: string; path: string | null; noindex?: boolean },
): MetaView {
  return {
    title: page.title ? `${page.title} — ${site.title}` : site.title,
    social_title: page.title ?? site.title,
    description: page.description || site.description,
    canonical: page.path === null ? null : `${publicUrl}${page.path}`,
    og_type: 'website',
    noindex: page.noindex ?? false,
    image: null,
    published_time: null,
    modified_time: null,
    json_ld: null,
  }
}

/** The home page's meta, with a WebSite JSON-LD that tells search engines about /search. */
export function homeMeta(site: SiteView, publicUrl: string): MetaView {
  return {
    ...pageMeta(site, publicUrl, { path: '/' }),
    json_ld: jsonLd({
      '@context': 'https://schema.org',
      '@type': 'WebSite',
      name: site.title,
      ...(site.description ? { description: site.description } : {}),
      url: `${publicUrl}/`,
      potentialAction: {
        '@type': 'SearchAction',
        target: { '@type': 'EntryPoint', urlTemplate: `${publicUrl}/search?q={search_term_string}` },
        'query-input': 'required name=search_term_string',
      },
    }),
  }
}

/** A post's or page's meta: its SEO fields, its cover as the social image, and a BlogPosting (posts) or WebPage JSON-LD. */
export function entryMeta(site: SiteView, publicUrl: string, entry: Entry): MetaView {
  const path = publicPath(entry.type, entry.slug)
  const canonical = `${publicUrl}${path}`
  const description = entry.seo_description || entry.excerpt || site.description
  const title = entry.seo_title || entry.title
  const image = entry.cover
    ? {
        url: `${publicUrl}${mediaUrl(entry.cover as MediaKey)}`,
        width: entry.cover.width,
        height: entry.cover.height,
        alt: entry.cover.alt,
      }
    : null
  const published = entry.published_at.toISOString()
  const modified = entry.updated_at.toISOString()
  const isPost = entry.type === 'post'
  return {
    title: `${title} — ${site.title}`,
    social_title: title,
    description,
    canonical,
    og_type: isPost ? 'article' : 'website',
    noindex: false,
    image,
    published_time: isPost ? published : null,
    modified_time: isPost ? modified : null,
    json_ld: jsonLd(
      isPost
        ? {
            '@context': 'https://schema.org',
            '@type': 'BlogPosting',
            headline: entry.title,
            ...(description ? { description } : {}),
            datePublished: published,
            dateModified: modified,
            author: { '@type': 'Person', name: entry.author },
            publisher: { '@type': 'Organization', name: site.title, url: `${publicUrl}/` },
            mainEntityOfPage: { '@type': 'WebPage', '@id': canonical },
            url: canonical,
            ...(image ? { image: [image.url] } : {}),
            ...(entry.tags.length > 0 ? { keywords: entry.tags.map((tag) => tag.name).join(', ') } : {}),
          }
        : {
            '@context': 'https://schema.org',
            '@type': 'WebPage',
            name: entry.title,
            url: canonical,
            ...(description ? { description } : {}),
          },
    ),
  }
}
