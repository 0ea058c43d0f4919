import { publicPath } from '../content/content.service.ts'
import type { ProductSitemapRow } from '../products/pages.queries.ts'
import { categoryPath, productPath } from '../products/pages.views.ts'
import type { FeedRow, SitemapRow } from './site.queries.ts'
import type { SiteView } from './site.views.ts'

/**
 * /sitemap.xml, /feed.xml (Atom 1.0) and /robots.txt (issue 4, part 7). Built
 * as strings with every value escaped for XML: three small, fixed formats that
 * do not need a serializer library.
 */

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
// Characters XML 1.0 forbids even escaped (C0 controls other than tab, newline, return; lone surrogates; U+FFFE/FFFF).
const XML_INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being removed
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export const escapeXml = (value: string) => value.replace(XML_INVALID, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string)

const SITEMAP_PATHS: Record<SitemapRow['path_type'] | ProductSitemapRow['path_type'], (slug: string) => string> = {
  post: (slug) => publicPath('post', slug),
  page: (slug) => publicPath('page', slug),
  tag: (slug) => `/tag/${slug}`,
  category: (slug) => `/category/${slug}`,
  product: productPath,
  'product-category': categoryPath,
}

const newestOf = (rows: { updated_at: Date }[]) =>
  rows.length === 0 ? null : new Date(Math.max(...rows.map((row) => row.updated_at.getTime())))

/**
 * The sitemaps.org format: the home page, the blog index, and every published
 * post, page, tag and category; with a catalog, /products, every active product
 * and each category with one.
 */
export function renderSitemap(publicUrl: string, rows: SitemapRow[], productRows: ProductSitemapRow[] = []): string {
  const newest = newestOf(rows)
  const url = (path: string, lastmod: Date | null) =>
    `<url><loc>${escapeXml(publicUrl + path)}</loc>${lastmod ? `<lastmod>${lastmod.toISOString()}</lastmod>` : ''}</url>`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    url('/', newest),
    url('/blog', newest),
    ...rows.map((row) => url(SITEMAP_PATHS[row.path_type](row.slug), row.updated_at)),
    ...(productRows.length > 0 ? [url('/products', newestOf(productRows))] : []),
    ...productRows.map((row) => url(SITEMAP_PATHS[row.path_type](row.slug), row.updated_at)),
    '</urlset>',
    '',
  ].join('\n')
}

/**
 * An Atom 1.0 feed of the latest posts, with their full HTML as escaped
 * `type="html"` content. Post bodies link media by root-relative URLs, so each
 * entry carries `xml:base` for readers to resolve them.
 */
export function renderAtomFeed(site: SiteView, publicUrl: string, posts: FeedRow[]): string {
  const updated = new Date(Math.max(0, ...posts.map((post) => post.updated_at.getTime())))
  const entries = posts.map((post) => {
    const link = `${publicUrl}${publicPath('post', post.slug)}`
    return [
      `<entry xml:base="${escapeXml(`${publicUrl}/`)}">`,
      `<id>${escapeXml(link)}</id>`,
      `<title type="text">${escapeXml(post.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(link)}"/>`,
      `<published>${post.published_at.toISOString()}</published>`,
      `<updated>${post.updated_at.toISOString()}</updated>`,
      `<author><name>${escapeXml(post.author)}</name></author>`,
      ...post.tags.map((tag) => `<category term="${escapeXml(tag.slug)}" label="${escapeXml(tag.name)}"/>`),
      post.excerpt ? `<summary type="text">${escapeXml(post.excerpt)}</summary>` : '',
      `<content type="html">${escapeXml(post.body_html)}</content>`,
      '</entry>',
    ]
      .filter(Boolean)
      .join('\n')
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(site.language)}">`,
    `<id>${escapeXml(`${publicUrl}/`)}</id>`,
    `<title type="text">${escapeXml(site.title)}</title>`,
    site.description ? `<subtitle type="text">${escapeXml(site.description)}</subtitle>` : '',
    `<link rel="alternate" type="text/html" href="${escapeXml(`${publicUrl}/`)}"/>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(`${publicUrl}/feed.xml`)}"/>`,
    `<updated>${updated.toISOString()}</updated>`,
    '<generator>Plinth</generator>',
    ...entries,
    '</feed>',
    '',
  ]
    .filter(Boolean)
    .join('\n')
}

/** Crawlers may read the public site; the API, the admin and search result pages are not for indexing. */
export const renderRobots = (publicUrl: string) =>
  ['User-agent: *', 'Disallow: /api/', 'Disallow: /admin', 'Disallow: /search', '', `Sitemap: ${publicUrl}/sitemap.xml`, ''].join('\n')
