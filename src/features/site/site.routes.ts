import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendPublicPage } from '#core/http/public-page.ts'
import type { Deps } from '../../deps.ts'
import { findRedirectFor } from '../content/content.service.ts'
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
import { cardTags, cardView, displayDate, entryMeta, entryView, homeMeta, pageMeta, type SiteView, siteView } from './site.views.ts'
import type { PageTemplate, Theme } from './theme.ts'

export const POSTS_PER_PAGE = 10
const SEARCH_RESULTS_PER_PAGE = 10
const FEED_SIZE = 20
const SITEMAP_LIMIT = 50_000
/** Deeper pages are refused: offsets past this cost the database more than any reader needs. */
const MAX_PAGE = 1000
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

type SiteDeps = Pick<Deps, 'db' | 'config'> & { theme: Theme }
type Query = Record<string, string | string[] | undefined>

/** `?page=N`, 1 by default; undefined for anything else (the page is then a 404, as a URL that does not exist). */
function pageNumber(query: Query): number | undefined {
  const raw = query.page
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
export function siteRoutes(app: FastifyInstance, deps: SiteDeps) {
  const { db, theme } = deps
  const { publicUrl } = deps.config
  app.decorateReply('renderTags', undefined)

  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    template: PageTemplate,
    data: Record<string, unknown> & { site: SiteView },
    tags: string[],
    status = 200,
  ) => sendPublicPage(request, reply, { body: theme.render(template, data), tags: ['site', ...tags], status })

  async function notFoundPage(request: FastifyRequest, reply: FastifyReply, site?: SiteJson) {
    const view = siteView(site ?? (await findSite(db)))
    return render(
      request,
      reply,
      '404',
      { site: view, meta: pageMeta(view, publicUrl, { title: 'Page not found', path: null, noindex: true }) },
      [],
      404,
    )
  }

  /** Home, /blog, /tag/x and /category/x: a page of post cards. */
  async function postList(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { path: string; filter: ListFilter; heading: (term: string | undefined) => string; tag: string; home?: boolean },
  ) {
    const page = pageNumber(request.query as Query)
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
      return render(request, reply, 'welcome', { site, meta, current: '/' }, ['list:posts', 'users:admin'])
    }
    const cards = posts.slice(0, POSTS_PER_PAGE)
    const heading = options.heading(term?.name)
    const path = options.path
    const meta =
      options.home && page === 1
        ? homeMeta(site, publicUrl)
        : pageMeta(site, publicUrl, { title: page > 1 ? `${heading} (page ${page})` : heading, path: pageUrl(path, page) })
    const termTag = term ? [`${tag !== undefined ? 'tag' : 'category'}:${term.id}`] : []
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
      [options.tag, ...termTag, ...cardTags(cards)],
    )
  }

  const hidden = { schema: { hide: true } }

  app.get('/', hidden, (request, reply) =>
    postList(request, reply, { path: '/', filter: {}, heading: () => 'Latest posts', tag: 'list:posts', home: true }),
  )
  app.get('/blog', hidden, (request, reply) =>
    postList(request, reply, { path: '/blog', filter: {}, heading: () => 'Blog', tag: 'list:posts' }),
  )
  app.get('/tag/:slug', hidden, (request, reply) => {
    const slug = (request.params as { slug: string }).slug
    if (!SLUG.test(slug)) return notFoundPage(request, reply)
    return postList(request, reply, {
      path: `/tag/${slug}`,
      filter: { tag: slug },
      heading: (name) => `Posts tagged “${name}”`,
      tag: 'list:posts',
    })
  })
  app.get('/category/:slug', hidden, (request, reply) => {
    const slug = (request.params as { slug: string }).slug
    if (!SLUG.test(slug)) return notFoundPage(request, reply)
    return postList(request, reply, {
      path: `/category/${slug}`,
      filter: { category: slug },
      heading: (name) => name ?? '',
      tag: 'list:posts',
    })
  })

  async function entryPage(request: FastifyRequest, reply: FastifyReply, type: 'post' | 'page') {
    const slug = (request.params as { slug: string }).slug
    if (!SLUG.test(slug) || slug.length > 200) return notFound(request, reply)
    const { site: siteJson, entry } = await findPublishedEntry(db, type, slug)
    if (!entry) return notFound(request, reply, siteJson)
    const site = siteView(siteJson)
    const view = entryView(entry, site.language)
    const tags = [`post:${entry.id}`, ...entry.tags.map((t) => `tag:${t.id}`), ...entry.categories.map((c) => `category:${c.id}`)]
    if (entry.cover) tags.push(`media:${entry.cover.id}`)
    return render(request, reply, type, { site, meta: entryMeta(site, publicUrl, entry), current: view.path, post: view }, tags)
  }

  app.get('/blog/:slug', hidden, (request, reply) => entryPage(request, reply, 'post'))
  app.get('/:slug', hidden, (request, reply) => entryPage(request, reply, 'page'))

  app.get('/search', hidden, async (request, reply) => {
    const query = request.query as Query
    const q = typeof query.q === 'string' ? query.q.trim().slice(0, SEARCH_QUERY_MAX_LENGTH) : ''
    const page = pageNumber(query)
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
      ['list:posts', 'list:pages', ...found.hits.map((hit) => `post:${hit.id}`)],
    )
  })

  app.get('/sitemap.xml', hidden, async (request, reply) => {
    const rows = await listSitemapEntries(db, SITEMAP_LIMIT)
    return sendPublicPage(request, reply, {
      body: renderSitemap(publicUrl, rows),
      type: 'application/xml; charset=utf-8',
      tags: ['list:posts', 'list:pages', 'list:tags', 'list:categories'],
    })
  })

  app.get('/feed.xml', hidden, async (request, reply) => {
    const [site, posts] = await Promise.all([findSite(db), listFeedPosts(db, FEED_SIZE)])
    return sendPublicPage(request, reply, {
      body: renderAtomFeed(siteView(site), publicUrl, posts),
      type: 'application/atom+xml; charset=utf-8',
      tags: ['site', 'list:posts', ...posts.map((post) => `post:${post.id}`)],
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
    // `//host/` must never become `//host`, a link to another site.
    if (path.length > 1 && path.endsWith('/') && !path.startsWith('//') && !path.includes('\\'))
      return reply.redirect(`${path.replace(/\/+$/, '') || '/'}${search}`, 301)
    const redirect = path.length <= 300 ? await findRedirectFor(db, path) : undefined
    if (redirect) return reply.redirect(`${redirect.to_path}${search}`, 301)
    return notFoundPage(request, reply, site)
  }

  return { notFound }
}

function splitUrl(url: string): [string, string] {
  const index = url.indexOf('?')
  return index === -1 ? [url, ''] : [url.slice(0, index), url.slice(index)]
}
