import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { type ChangeTag, tags } from '#core/changes/changes.ts'
import { HttpError } from '#core/http/errors.ts'
import { sendPublicPage } from '#core/http/public-page.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { SiteJson } from '../site/site.queries.ts'
import { layoutTags, pageMeta, type SiteView, siteView } from '../site/site.views.ts'
import type { PageTemplate, Theme } from '../site/theme.ts'
import { getCategoryTree } from './categories.service.ts'
import { formatMoney } from './money.ts'
import { findListingContext, findProductPage } from './pages.queries.ts'
import { attributeLabel, categoryPath, productCardView, productMeta, productTags, productView } from './pages.views.ts'
import { ATTRIBUTE_VALUE, SORTS } from './products.schemas.ts'
import { listProductPage, type ProductListInput } from './products.service.ts'

/** Products per page of the grid. */
export const PRODUCTS_PER_PAGE = 24
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/
const VALUE = new RegExp(`^${ATTRIBUTE_VALUE}$`, 'u')
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being replaced
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g
const SORT_LABELS: Record<(typeof SORTS)[number], string> = {
  '-created_at': 'Newest',
  price: 'Price, low to high',
  '-price': 'Price, high to low',
  name: 'Name',
  relevance: 'Best match',
}

type PagesDeps = Pick<Deps, 'db' | 'config'> & { theme: Theme }
type CategoryNode = Awaited<ReturnType<typeof getCategoryTree>>[number]

/** A query-string parameter as a list of strings (repeated keys are arrays); anything else is dropped. */
function strings(query: unknown, name: string): string[] {
  const raw = typeof query === 'object' && query !== null ? Reflect.get(query, name) : undefined
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.filter((value): value is string => typeof value === 'string')
}
const first = (query: unknown, name: string) => strings(query, name)[0]

/**
 * The filters a listing URL asks for, as the list service takes them. The
 * public pages have no query-string schema (as the blog's): a value that is not
 * well formed is ignored, never a 400 or a 500 — a non-numeric price, an
 * attribute the catalog does not have, a `limit` (the page size is fixed).
 * `params` are the filters kept, to build the page's links from.
 */
function listingInput(query: unknown, attributeNames: string[], categorySlug: string | undefined) {
  const params = new URLSearchParams()
  const input: ProductListInput = { limit: PRODUCTS_PER_PAGE, sort: '-created_at' }
  const q = (first(query, 'q') ?? '').replace(CONTROL_CHARACTERS, ' ').trim().slice(0, 200)
  if (q !== '') {
    input.q = q
    params.set('q', q)
  }
  const sort = first(query, 'sort') as ProductListInput['sort'] | undefined
  if (sort !== undefined && SORTS.includes(sort) && (sort !== 'relevance' || input.q !== undefined)) input.sort = sort
  else if (input.q !== undefined) input.sort = 'relevance'
  if (input.sort !== (input.q !== undefined ? 'relevance' : '-created_at')) params.set('sort', input.sort)
  if (categorySlug !== undefined) input.category = categorySlug
  else {
    const category = first(query, 'category')
    if (category !== undefined && category.length <= 100 && SLUG.test(category)) {
      input.category = category
      params.set('category', category)
    }
  }
  // A price bucket as the form sends it: "min-max" in minor units, max exclusive and empty for the open-ended one.
  const price = /^(\d{1,13})-(\d{0,13})$/.exec(first(query, 'price') ?? '')
  if (price) {
    input.price_min = Number(price[1])
    if (price[2] !== '' && Number(price[2]) > input.price_min) input.price_max = Number(price[2]) - 1
    params.set('price', `${price[1]}-${price[2]}`)
  }
  if (first(query, 'in_stock') === 'true') {
    input.in_stock = true
    params.set('in_stock', 'true')
  }
  for (const name of attributeNames) {
    const values = [...new Set(strings(query, `attr.${name}`).filter((value) => VALUE.test(value) && !value.includes(',')))].slice(0, 20)
    if (values.length === 0) continue
    input[`attr.${name}`] = values
    for (const value of values) params.append(`attr.${name}`, value)
  }
  input.facets = ['category', 'price', ...attributeNames].join(',')
  const cursor = first(query, 'cursor')
  if (cursor !== undefined && CURSOR.test(cursor)) input.cursor = cursor
  return { input, params }
}

/** The query keys an invalid-request error names (`attr.colour`, `category`, `cursor`…). */
const fieldsOf = (error: unknown) =>
  error instanceof HttpError && error.code === 'validation_failed' ? (error.fields ?? []).map((f) => f.field) : undefined

/**
 * One page of products with its facet counts. A filter the service refuses (a
 * category or cursor that no longer exists: an old bookmark) is dropped and
 * the page asked again, once.
 */
async function listOrDropBadFilters(db: PagesDeps['db'], input: ProductListInput) {
  try {
    return { page: await listProductPage(db, undefined, input), dropped: [] as string[] }
  } catch (error) {
    const fields = fieldsOf(error)
    if (fields === undefined) throw error
    const kept: Record<string, unknown> = { ...input }
    for (const field of fields) delete kept[field]
    return { page: await listProductPage(db, undefined, kept as ProductListInput), dropped: fields }
  }
}

const href = (path: string, params: URLSearchParams) => {
  const search = params.toString()
  return search === '' ? path : `${path}?${search}`
}

/**
 * The public product pages (issue 11, item 4): `/products` (the grid with its
 * filter form and facet counts), `/products/category/{slug}` (the same limited
 * to a category and the ones below it) and `/products/{slug}` (one product).
 * Only active products are shown, to everyone; pages are sent with the public
 * caching headers and their render tags (sendPublicPage), as the blog's.
 * The `products` path segment is reserved by products.routes.ts.
 */
export function productPageRoutes(app: AppInstance, deps: PagesDeps) {
  const { db, theme } = deps
  const { publicUrl } = deps.config

  const render = (
    request: FastifyRequest,
    reply: FastifyReply,
    template: PageTemplate,
    data: Record<string, unknown> & { site: SiteView },
    shown: ChangeTag[],
    status = 200,
  ) => sendPublicPage(request, reply, { body: theme.render(template, data), tags: [...layoutTags, ...shown], status })

  /** The theme's 404 page; a product or category that is missing may come to exist (the product lists' tags). */
  const notFoundPage = (request: FastifyRequest, reply: FastifyReply, siteJson: SiteJson) => {
    const site = siteView(siteJson)
    const meta = pageMeta(site, publicUrl, { title: 'Page not found', path: null, noindex: true })
    return render(request, reply, '404', { site, meta }, [tags.list('products'), tags.list('product-categories')], 404)
  }

  async function listing(request: FastifyRequest, reply: FastifyReply, categorySlug?: string) {
    const [context, tree] = await Promise.all([findListingContext(db), getCategoryTree(db)])
    const category = categorySlug === undefined ? undefined : tree.find((node) => node.slug === categorySlug)
    if (categorySlug !== undefined && category === undefined) return notFoundPage(request, reply, context.site)
    const site = siteView(context.site)
    const { input, params } = listingInput(request.query, context.attributeNames, categorySlug)
    const { page, dropped } = await listOrDropBadFilters(db, input)
    for (const field of dropped) params.delete(field)
    const path = category ? categoryPath(category.slug) : '/products'
    const money = (amount: number) => formatMoney(amount, context.currency, site.language)
    const facets = page.facets ?? {}
    const categoryCounts = new Map((facets.category ?? []).map((c) => [c.id, c.count]))
    const selectedCategory = dropped.includes('category') ? undefined : input.category
    const heading = category ? category.name : 'Products'
    const attributeGroups = Object.entries(facets.attributes ?? {}).map(([name, counts]) => {
      const chosen = dropped.includes(`attr.${name}`) ? [] : (input[`attr.${name}`] ?? [])
      // A chosen value stays in the form (to be unticked) even when the other filters leave it no product.
      const values = [...counts, ...chosen.filter((v) => !counts.some((c) => c.value === v)).map((value) => ({ value, count: 0 }))]
      return {
        name: `attr.${name}`,
        label: attributeLabel(name),
        values: values.map((v) => ({ value: v.value, count: v.count, checked: chosen.includes(v.value), id: `f-${name}-${v.value}` })),
      }
    })
    const chosenPrice = params.get('price')
    const cursor = dropped.includes('cursor') ? undefined : input.cursor
    const next = page.next_cursor === null ? null : new URLSearchParams(params)
    next?.set('cursor', page.next_cursor as string)
    const meta = pageMeta(site, publicUrl, {
      title: cursor ? `${heading} (more)` : heading,
      description: category?.name,
      path: href(path, params),
      // Filtered and later pages are many URLs for one catalog: crawlers get the plain listing and the products.
      noindex: params.size > 0 || cursor !== undefined,
    })
    return render(
      request,
      reply,
      'products',
      {
        site,
        meta,
        current: '/products',
        heading,
        action: path,
        category: category ? categoryView(category, tree, categoryCounts) : null,
        products: page.data.map((product, index) => productCardView(product, site.language, index)),
        filters: {
          q: input.q ?? '',
          in_stock: input.in_stock === true,
          sorts: SORTS.filter((s) => s !== 'relevance' || input.q !== undefined).map((s) => ({
            value: s,
            label: SORT_LABELS[s],
            selected: s === input.sort,
          })),
          categories: category
            ? []
            : (facets.category ?? []).map((c) => ({
                slug: c.slug,
                name: c.name,
                count: c.count,
                depth: depthOf(c.id, tree),
                checked: c.slug === selectedCategory,
              })),
          any_category: selectedCategory === undefined,
          prices: (facets.price ?? []).map((bucket) => {
            const value = `${bucket.min_minor}-${bucket.max_minor ?? ''}`
            return {
              value,
              label:
                bucket.max_minor === null
                  ? `${money(bucket.min_minor)} and more`
                  : `${money(bucket.min_minor)} – ${money(bucket.max_minor)}`,
              count: bucket.count,
              checked: value === chosenPrice,
            }
          }),
          any_price: chosenPrice === null,
          attributes: attributeGroups,
        },
        pagination: {
          pages: cursor !== undefined || next !== null,
          first: cursor !== undefined ? href(path, params) : null,
          next: next ? href(path, next) : null,
        },
      },
      [
        tags.list('products'),
        tags.list('product-categories'),
        ...(category ? [tags.productCategory(category.id)] : []),
        ...page.data.flatMap((product) => productTags(product)),
      ],
    )
  }

  const hidden = { schema: { hide: true } }
  const withSlug = { schema: { hide: true, params: Type.Object({ slug: Type.String() }) } }

  app.get('/products', hidden, (request, reply) => listing(request, reply))
  app.get('/products/category/:slug', withSlug, async (request, reply) => {
    const { slug } = request.params
    if (slug.length > 100 || !SLUG.test(slug)) return notFoundPage(request, reply, (await findListingContext(db)).site)
    return listing(request, reply, slug)
  })
  app.get('/products/:slug', withSlug, async (request, reply) => {
    const { slug } = request.params
    const valid = slug.length <= 200 && SLUG.test(slug)
    // A bad slug still reads the site (for the 404 page): the statement then looks for no product.
    const { site: siteJson, product } = await findProductPage(db, valid ? slug : '-')
    if (!product) return notFoundPage(request, reply, siteJson)
    const site = siteView(siteJson)
    const view = productView(product, site.language)
    return render(
      request,
      reply,
      'product',
      { site, meta: productMeta(site, publicUrl, product), current: '/products', product: view },
      productTags(product),
    )
  })
}

/** How deep a category is in the tree (0 at the top), for indenting the category filter. */
function depthOf(id: number, tree: CategoryNode[]): number {
  const byId = new Map(tree.map((node) => [node.id, node]))
  let depth = 0
  for (let node = byId.get(id); node?.parent_id != null && depth < 20; node = byId.get(node.parent_id)) depth++
  return depth
}

/** A category's heading data: its breadcrumbs from the top of the tree and its sub-categories with their counts. */
function categoryView(category: CategoryNode, tree: CategoryNode[], counts: Map<number, number>) {
  const byId = new Map(tree.map((node) => [node.id, node]))
  const trail: CategoryNode[] = []
  for (let node = byId.get(category.parent_id ?? 0); node && trail.length < 20; node = byId.get(node.parent_id ?? 0)) trail.unshift(node)
  return {
    name: category.name,
    breadcrumbs: [{ name: 'Products', path: '/products' }, ...trail.map((node) => ({ name: node.name, path: categoryPath(node.slug) }))],
    children: tree
      .filter((node) => node.parent_id === category.id)
      .map((node) => ({ name: node.name, path: categoryPath(node.slug), count: counts.get(node.id) ?? 0 })),
  }
}
