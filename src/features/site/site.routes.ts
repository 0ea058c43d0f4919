import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { type ChangeTag, tags } from '#core/changes/changes.ts'
import { sendPublicPage } from '#core/http/public-page.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { PostType } from '../content/content.schemas.ts'
import { findRedirectFor } from '../content/content.service.ts'
import type { FormEmbedder } from '../forms/forms.embed.ts'
import { listProductSitemapEntries } from '../products/pages.queries.ts'
import { productPageRoutes } from '../products/pages.ts'
import { SEARCH_QUERY_MAX_LENGTH, searchPublished } from '../search/search.service.ts'
import { renderAtomFeed, renderRobots, renderSitemap } from './feeds.ts'
import {
  findPublishedEntry,
  findSite,
  findTerm,
  hasAdministrator,
  type ListFilter,
  listFeedPosts,
  listPublishedPosts,
  listSitemapEntries,
  type SiteJson,
} from './site.queries.ts'
import {
  cardView,
  displayDate,
  entryMeta,
  entryView,
  feedItemTags,
  homeMeta,
  itemTags,
  layoutTags,
  pageMeta,
  type SiteView,
  siteView,
} from './site.views.ts'
import type { PageTemplate, Theme } from './theme.ts'

export const POSTS_PER_PAGE = 10
const SEARCH_RESULTS_PER_PAGE = 10
const FEED_SIZE = 20
const SITEMAP_LIMIT = 50_000
/** Deeper pages are refused: offsets past this cost the database more than any reader needs. */
const MAX_PAGE = 1000
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** `embedForms`: the forms feature's embedder, which puts a page's `[form:<slug>]` forms in (forms.embed.ts). */
type SiteDeps = Pick<Deps, 'db' | 'config' | 'paths'> & { theme: Theme; embedForms: FormEmbedder }

/**
 * A query-string parameter as parsed: undefined, a string, or an array when
 * repeated. The public pages have no query-string schema: a bad value is a 404
 * (a URL that does not exist) or is ignored, never a 400.
 */
const queryParam = (query: unknown, name: string): unknown =>
  typeof query === 'object' && query !== null ? Reflect.get(query, name) : undefined

/** `?page=N`, 1 by default; undefined for anything else (the page is then a 404, as a URL that does not exist). */
function pageNumber(query: unknown): number | undefined {
  const raw = queryParam(query, 'page')
  if (raw === undefined) return 1
  if (typeof raw !== 'string' || !/^[1-9]\d{0,3}$/.test(raw)) return undefined
  const page = Number(raw)
  return page <= MAX_PAGE ? page : undefined
}

const pageUrl = (path: string, page: number, extra = '') =>
  page === 1 && extra === '' ? path : `${path}?${extra}${extra && page > 1 ? '&' : ''}${page > 1 ? `page=${page}` : ''}`

/**
 * The public site (issue 4, parts 6–8): pages rendered from the theme, one
 * database round trip each, sent with public caching headers for anonymous
 * visitors (sendPublicPage). Only published content is shown, to everyone.
 * Returns the handler the site's not-found handler calls for other paths.
 */
export function siteRoutes(app: AppInstance, deps: SiteDeps) {
  const { db, theme } = deps
  // The site's own top-level paths, which no page slug may take (core/http/reserved-paths.ts); `/:slug` is the pages.
  deps.paths.reserve('site', ['blog', 'tag', 'category', 'search', 'feed.xml', 'sitemap.xml', 'robots.txt', 'theme'])
  const { publicUrl } = deps.config

  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    template: PageTemplate,
    data: Record<string, unknown> & { site: SiteView },
    shown: ChangeTag[],
    status = 200,
    perVisitor = false,
  ) => sendPublicPage(request, reply, { body: theme.render(template, data), tags: [...layoutTags, ...shown], status, perVisitor })

  // A missing page may come to exist: a post or page published, a tag or category created.
  const notFoundTags = [tags.list('posts'), tags.list('pages'), tags.list('tags'), tags.list('categories')]

  async function notFoundPage(request: FastifyRequest, reply: FastifyReply, site?: SiteJson) {
    const view = siteView(site ?? (await findSite(db)))
    return render(
      request,
      reply,
      '404',
      { site: view, meta: pageMeta(view, publicUrl, { title: 'Page not found', path: null, noindex: true }) },
      notFoundTags,
      404,
    )
  }

  /** Home, /blog, /tag/x and /category/x: a page of post cards. */
  async function postList(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { path: string; filter: ListFilter; heading: (term: string | undefined) => string; home?: boolean },
  ) {
    const page = pageNumber(request.query)
    if (page === undefined) return notFoundPage(request, reply)
    const { tag, category } = options.filter
    // A tag or category page also looks its term up, at the same time.
    const [{ site: siteJson, posts }, term] = await Promise.all([
      listPublishedPosts(db, { ...options.filter, limit: POSTS_PER_PAGE, offset: (page - 1) * POSTS_PER_PAGE }),
      tag !== undefined ? findTerm(db, 'tags', tag) : category !== undefined ? findTerm(db, 'categories', category) : undefined,
    ])
    const site = siteView(siteJson)
    if ((tag !== undefined || category !== undefined) && term === undefined) return notFoundPage(request, reply, siteJson)
    if (page > 1 && posts.length === 0) return notFoundPage(request, reply, siteJson)
    if (options.home && posts.length === 0 && site.pages.length === 0 && !(await hasAdministrator(db))) {
      const meta = pageMeta(site, publicUrl, { title: 'Welcome', path: '/', noindex: true })
      // Shown until there is a post, a page or an administrator.
      return render(request, reply, 'welcome', { site, meta, current: '/' }, [tags.list('posts'), tags.list('users')])
    }
    const cards = posts.slice(0, POSTS_PER_PAGE)
    const heading = options.heading(term?.name)
    const path = options.path
    const meta =
      options.home && page === 1
        ? homeMeta(site, publicUrl)
        : pageMeta(site, publicUrl, { title: page > 1 ? `${heading} (page ${page})` : heading, path: pageUrl(path, page) })
    const termTag = term ? [tag !== undefined ? tags.tag(term.id) : tags.category(term.id)] : []
    return render(
      request,
      reply,
      options.home ? 'home' : 'list',
      {
        site,
        meta,
        current: path,
        home: options.home && page === 1,
        heading,
        posts: cards.map((card, index) => cardView(card, site.language, index)),
        pagination: {
          page,
          pages: page > 1 || posts.length > POSTS_PER_PAGE,
          newer: page > 1 ? pageUrl(path, page - 1) : null,
          older: posts.length > POSTS_PER_PAGE ? pageUrl(path === '/' ? '/blog' : path, path === '/' ? 2 : page + 1) : null,
        },
      },
      [tags.list('posts'), ...termTag, ...cards.flatMap(itemTags)],
    )
  }

  const hidden = { schema: { hide: true } }
  const withSlug = { schema: { hide: true, params: Type.Object({ slug: Type.String() }) } }

  app.get('/', hidden, (request, reply) => postList(request, reply, { path: '/', filter: {}, heading: () => 'Latest posts', home: true }))
  app.get('/blog', hidden, (request, reply) => postList(request, reply, { path: '/blog', filter: {}, heading: () => 'Blog' }))
  app.get('/tag/:slug', withSlug, (request, reply) => {
    const { slug } = request.params
    if (!SLUG.test(slug)) return notFoundPage(request, reply)
    return postList(request, reply, {
      path: `/tag/${slug}`,
      filter: { tag: slug },
      heading: (name) => `Posts tagged “${name}”`,
    })
  })
  app.get('/category/:slug', withSlug, (request, reply) => {
    const { slug } = request.params
    if (!SLUG.test(slug)) return notFoundPage(request, reply)
    return postList(request, reply, {
      path: `/category/${slug}`,
      filter: { category: slug },
      heading: (name) => name ?? '',
    })
  })

  async function entryPage(request: FastifyRequest, reply: FastifyReply, type: PostType, slug: string) {
    if (!SLUG.test(slug) || slug.length > 200) return notFound(request, reply)
    const { site: siteJson, entry } = await findPublishedEntry(db, type, slug)
    if (!entry) return notFound(request, reply, siteJson)
    const site = siteView(siteJson)
    const view = entryView(entry, site.language)
    const meta = entryMeta(site, publicUrl, entry)
    // `[form:<slug>]` in the body: the form with a render token for this visitor, so the page is not cached.
    const forms = await deps.embedForms(view.body_html)
    const post = { ...view, body_html: forms.html }
    return render(
      request,
      reply,
      type,
      { site, meta, current: view.path, post },
      [...itemTags(entry), ...forms.tags],
      200,
      forms.perVisitor,
    )
  }

  app.get('/blog/:slug', withSlug, (request, reply) => entryPage(request, reply, 'post', request.params.slug))
  // The catalog's pages (/products, /products/category/{slug}, /products/{slug}; issue 11, item 4).
  productPageRoutes(app, deps)
  app.get('/:slug', withSlug, (request, reply) => entryPage(request, reply, 'page', request.params.slug))

  app.get('/search', hidden, async (request, reply) => {
    const text = queryParam(request.query, 'q')
    const q = typeof text === 'string' ? text.trim().slice(0, SEARCH_QUERY_MAX_LENGTH) : ''
    const page = pageNumber(request.query)
    if (page === undefined) return notFoundPage(request, reply)
    const [siteJson, found] = await Promise.all([
      findSite(db),
      q === ''
        ? { hits: [], hasMore: false }
        : searchPublished(db, { q, limit: SEARCH_RESULTS_PER_PAGE, offset: (page - 1) * SEARCH_RESULTS_PER_PAGE }),
    ])
    const site = siteView(siteJson)
    const extra = `q=${encodeURIComponent(q)}`
    const hits = found.hits.map((hit) => ({
      type: hit.type,
      title: hit.title,
      path: hit.path,
      snippet_html: hit.snippet_html,
      published_at: hit.published_at.toISOString(),
      published_on: displayDate(hit.published_at, site.language),
    }))
    const meta = pageMeta(site, publicUrl, { title: q ? `Search: ${q}` : 'Search', path: null, noindex: true })
    return render(
      request,
      reply,
      'search',
      {
        site,
        meta,
        current: '/search',
        query: q,
        hits,
        pagination: {
          page,
          pages: page > 1 || found.hasMore,
          newer: page > 1 ? pageUrl('/search', page - 1, extra) : null,
          older: found.hasMore ? pageUrl('/search', page + 1, extra) : null,
        },
      },
      [
        tags.list('posts'),
        tags.list('pages'),
        tags.list('products'),
        ...found.hits.map((hit) => (hit.type === 'product' ? tags.product(hit.id) : tags.content(hit.type, hit.id))),
      ],
    )
  })

  app.get('/sitemap.xml', hidden, async (request, reply) => {
    const [rows, productRows] = await Promise.all([listSitemapEntries(db, SITEMAP_LIMIT), listProductSitemapEntries(db, SITEMAP_LIMIT)])
    return sendPublicPage(request, reply, {
      // One file holds at most 50,000 URLs (sitemaps.org): content first, then the catalog.
      body: renderSitemap(publicUrl, rows, productRows.slice(0, Math.max(0, SITEMAP_LIMIT - rows.length))),
      type: 'application/xml; charset=utf-8',
      tags: [
        tags.list('posts'),
        tags.list('pages'),
        tags.list('tags'),
        tags.list('categories'),
        tags.list('products'),
        tags.list('product-categories'),
      ],
    })
  })

  app.get('/feed.xml', hidden, async (request, reply) => {
    const [site, posts] = await Promise.all([findSite(db), listFeedPosts(db, FEED_SIZE)])
    return sendPublicPage(request, reply, {
      body: renderAtomFeed(siteView(site), publicUrl, posts),
      type: 'application/atom+xml; charset=utf-8',
      tags: [tags.site, tags.list('posts'), ...posts.flatMap(feedItemTags)],
    })
  })

  app.get('/robots.txt', hidden, (request, reply) =>
    sendPublicPage(request, reply, { body: renderRobots(publicUrl), type: 'text/plain; charset=utf-8', tags: [] }),
  )

  app.get('/theme/:version/:file', hidden, (request, reply) => {
    const asset = theme.asset(request.url.split('?')[0] as string)
    if (!asset) return notFound(request, reply)
    reply.header('content-type', asset.type)
    reply.header('cache-control', 'public, max-age=31536000, immutable')
    reply.header('etag', asset.etag)
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.send(asset.body)
  })

  /**
   * Any other GET: a redirect left by a slug change (301), the same path
   * without a trailing slash (301), or the theme's 404 page.
   */
  async function notFound(request: FastifyRequest, reply: FastifyReply, site?: SiteJson) {
    const [path, search] = splitUrl(request.url)
    // `//host/` must never become `//host`, a link to another site; every
    // Location is a path on this site (localPath), whatever the request line held.
    if (path.length > 1 && path.endsWith('/') && !path.startsWith('//') && !path.includes('\\'))
      return reply.redirect(localPath(`${path.replace(/\/+$/, '') || '/'}${search}`), 301)
    const redirect = path.length <= 300 ? await findRedirectFor(db, path) : undefined
    if (redirect) return reply.redirect(localPath(`${redirect.to_path}${search}`), 301)
    return notFoundPage(request, reply, site)
  }

  return { notFound }
}

/**
 * The path and query of the request target. A request line in absolute form
 * (`GET http://other.example/x/ HTTP/1.1`, RFC 9112 §3.2.2) gives Node the whole
 * URL: only its path and query are ours to answer, never its host.
 */
function splitUrl(url: string): [string, string] {
  let target = url
  if (!target.startsWith('/')) {
    try {
      const parsed = new URL(target)
      target = `${parsed.pathname}${parsed.search}`
    } catch {
      target = '/'
    }
  }
  const index = target.indexOf('?')
  return index === -1 ? [target, ''] : [target.slice(0, index), target.slice(index)]
}

/**
 * A redirect target that stays on this site: one leading slash, never `//` or
 * `/\` (which browsers read as another host), no scheme (issue 9, item 8).
 */
export function localPath(location: string): string {
  const cleaned = location.replace(/^[\s/\\]+/, '')
  return `/${cleaned}`
}
