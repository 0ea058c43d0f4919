import { type ChangeTag, recordChanges, tags, writeRecordingChanges } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, conflictOnUnique, type FieldError, invalid, notFound } from '#core/http/errors.ts'
import { type Cursor, decodeCursor, decodeOffsetCursor, encodeOffsetCursor, toPage } from '#core/http/pagination.ts'
import { renderMarkdown, searchText, slugOrRandom } from '../content/markdown.ts'
import { CURRENCY_SETTING } from '../settings/settings.service.ts'
import type { SessionUser } from '../users/login/sessions.ts'
import { hasRole } from '../users/roles.ts'
import { queueProductEvent } from '../webhooks/webhooks.events.ts'
import { presentFacets, presentProduct } from './products.present.ts'
import {
  CATEGORY_FACET,
  changeProductStock,
  changeVariantStock,
  countFacets as countFacetRows,
  countProducts,
  deleteProductRow,
  existingCategoryIds,
  existingMediaIds,
  type FacetCount,
  findCategory,
  findProduct,
  findStock,
  insertProduct,
  type KeysetSortName,
  knownAttributeNames,
  listCategoryTree,
  listProducts,
  listProductsByRelevance,
  lockProduct,
  PRICE_FACET,
  PRODUCT_SORTS,
  type ProductDetailRow,
  type ProductFields,
  type ProductFilter,
  productStockAboveZero,
  replaceCategoryLinks,
  replaceImages,
  replaceVariants,
  syncFacetsOf,
  takenSkus,
  updateProduct,
} from './products.queries.ts'
import type { ProductCreate, ProductOption, ProductPatch, ProductSortName, ProductStatus, VariantInput } from './products.schemas.ts'

type User = Pick<SessionUser, 'id' | 'role'>

/** Anonymous callers, members and authors see active products only; editors and admins every product. */
export const seesAllProducts = (user: User | undefined) => user !== undefined && hasRole(user.role, 'editor')

const RELEVANCE = 'relevance'
/** At most this many `attr.*` filters in one list request. */
export const MAX_ATTRIBUTE_FILTERS = 10

/** The list's query as the route's schema typed it, with its dynamic `attr.<name>` keys. */
export type ProductListInput = {
  limit: number
  cursor?: string
  sort: ProductSortName
  slug?: string
  status?: ProductStatus
  category?: string
  price_min?: number
  price_max?: number
  in_stock?: boolean
  q?: string
  facets?: string
  include_total?: boolean
  [attribute: `attr.${string}`]: string[] | undefined
}

const queryError = (field: string, message: string): FieldError => ({ field, in: 'querystring', message })

/** The `attr.<name>` keys of a query: name → values (comma-separated or repeated; duplicates dropped). */
function attributeFilters(input: ProductListInput): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [key, value] of Object.entries(input)) {
    if (!key.startsWith('attr.')) continue
    const values = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','))
    out.set(key.slice(5), [...new Set(values)])
  }
  return out
}

/**
 * The filter a list query asks for, checked against the catalog: the category
 * slug and every attribute name must exist (400 naming the query key
 * otherwise), `relevance` needs `q`, price_min ≤ price_max.
 */
async function filterFor(db: Db, user: User | undefined, input: ProductListInput) {
  const errors: FieldError[] = []
  const attributes = attributeFilters(input)
  if (attributes.size > MAX_ATTRIBUTE_FILTERS) errors.push(queryError('attr', `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters`))
  const facets = input.facets === undefined ? [] : [...new Set(input.facets.split(','))]
  const attributeFacets = facets.filter((name) => name !== 'category' && name !== 'price')
  const asked = [...new Set([...attributes.keys(), ...attributeFacets])]
  const known = new Set(asked.length > 0 ? await knownAttributeNames(db, asked) : [])
  for (const name of attributes.keys())
    if (!known.has(name)) errors.push(queryError(`attr.${name}`, `is not an attribute of any product: ${name}`))
  const unknownFacets = attributeFacets.filter((name) => !known.has(name))
  if (unknownFacets.length > 0) errors.push(queryError('facets', `names no attribute of any product: ${unknownFacets.join(', ')}`))
  let categoryId: number | undefined
  if (input.category !== undefined) {
    categoryId = (await findCategory(db, { slug: input.category }))?.id
    if (categoryId === undefined) errors.push(queryError('category', `is not a product category: ${input.category}`))
  }
  if (input.sort === RELEVANCE && input.q === undefined) errors.push(queryError('sort', 'relevance needs q'))
  if (input.price_min !== undefined && input.price_max !== undefined && input.price_min > input.price_max)
    errors.push(queryError('price_min', 'is more than price_max'))
  if (errors.length > 0) throw invalid(errors)
  const filter: ProductFilter = {
    publicOnly: !seesAllProducts(user),
    status: input.status,
    slug: input.slug,
    categoryId,
    priceMin: input.price_min,
    priceMax: input.price_max,
    inStock: input.in_stock,
    q: input.q,
    attributes,
  }
  return { filter, facets }
}

/** The counts of each facet asked for (category, price, attribute names), each without its own filter, sent at the same time. */
async function countFacets(db: Db, filter: ProductFilter, names: string[]) {
  if (names.length === 0) return undefined
  const keyOf = (name: string) => (name === 'category' ? CATEGORY_FACET : name === 'price' ? PRICE_FACET : name)
  const needsTree = names.includes('category')
  const [counts, tree] = await Promise.all([
    countFacetRows(
      db,
      filter,
      names.map((name) => keyOf(name)),
    ),
    needsTree ? listCategoryTree(db) : Promise.resolve([]),
  ])
  const byName = new Map<string, FacetCount[]>(names.map((name) => [name, counts.get(keyOf(name)) ?? []]))
  return presentFacets(byName, tree)
}

/**
 * A page of products as the API and the public pages show them (issue 11, item
 * 2), with facet counts when asked: filters, keyset cursors (offset cursors
 * for `relevance`), visibility by role; the dynamic `attr.*` keys are checked
 * by the route's schema.
 */
export async function listProductPage(db: Db, user: User | undefined, input: ProductListInput) {
  const { filter, facets } = await filterFor(db, user, input)
  if (input.slug !== undefined) {
    // How a front end fetches the product behind a URL: the one product, in full (as GET /products/{id}).
    const row = await findProduct(db, { slug: input.slug }, filter.publicOnly, CURRENCY_SETTING)
    const data = row && (filter.status === undefined || row.status === filter.status) ? [presentProduct(row)] : []
    return { data, next_cursor: null, ...(input.include_total ? { total: data.length } : {}) }
  }
  const total = input.include_total ? countProducts(db, filter) : undefined
  if (input.sort === RELEVANCE) {
    const offset = decodeOffsetCursor(RELEVANCE, input.cursor)
    const [rows, counted, count] = await Promise.all([
      listProductsByRelevance(db, { ...filter, q: input.q as string }, { offset, limit: input.limit }, CURRENCY_SETTING),
      countFacets(db, filter, facets),
      total,
    ])
    const data = rows.slice(0, input.limit).map((row) => presentProduct(row))
    const next_cursor = rows.length > input.limit ? encodeOffsetCursor(RELEVANCE, offset + input.limit) : null
    return { data, next_cursor, ...(count === undefined ? {} : { total: count }), ...(counted ? { facets: counted } : {}) }
  }
  const sort = PRODUCT_SORTS[input.sort as KeysetSortName]
  const after: Cursor | undefined = decodeCursor(sort, input.cursor)
  const [rows, counted, count] = await Promise.all([
    listProducts(db, filter, { sort: input.sort as KeysetSortName, after, limit: input.limit }, CURRENCY_SETTING),
    countFacets(db, filter, facets),
    total,
  ])
  return { ...toPage(rows, input.limit, (row) => presentProduct(row), sort, count), ...(counted ? { facets: counted } : {}) }
}

/** One product by id or slug, as its page shows it; 404 when it does not exist or the caller may not see it. */
export async function getProduct(db: Db, user: User | undefined, by: { id: number } | { slug: string }): Promise<ProductDetailRow> {
  const row = await findProduct(db, by, !seesAllProducts(user), CURRENCY_SETTING)
  if (!row) throw notFound('product', 'id' in by ? by.id : by.slug)
  return row
}

// --- writes -----------------------------------------------------------------

/**
 * The checks a schema cannot make: every variant names one value of each
 * option (and only those), no two variants are the same choice, no SKU is used
 * twice in the request, and compare_at_price is not below price.
 */
function checkShape(
  input: ProductPatch,
  options: ProductOption[],
  variants: VariantInput[] | undefined,
  price: number,
  compareAt: number | null,
) {
  const errors: FieldError[] = []
  const body = (field: string, message: string) => errors.push({ field, in: 'body', message })
  const names = options.map((o) => o.name)
  if (new Set(names).size !== names.length) body('options', 'names an option twice')
  const seen = new Set<string>()
  const skus = new Set<string>(input.sku === undefined ? [] : [input.sku])
  variants?.forEach((variant, i) => {
    const keys = Object.keys(variant.option_values).sort()
    if (keys.join() !== [...names].sort().join())
      body(`variants.${i}.option_values`, `must give one value for each option: ${names.join(', ') || '(none)'}`)
    for (const option of options) {
      const value = variant.option_values[option.name]
      if (value !== undefined && !option.values.includes(value))
        body(`variants.${i}.option_values.${option.name}`, `is not a value of option ${option.name}`)
    }
    const choice = JSON.stringify(names.map((name) => variant.option_values[name]))
    if (seen.has(choice)) body(`variants.${i}`, 'repeats the option values of another variant')
    seen.add(choice)
    if (skus.has(variant.sku)) body(`variants.${i}.sku`, 'is used twice in this product')
    skus.add(variant.sku)
  })
  if (compareAt !== null && compareAt < price) body('compare_at_price_minor', 'is below price_minor')
  if (errors.length > 0) throw invalid(errors)
}

async function checkReferences(db: Db, input: ProductPatch, productId: number | null) {
  const errors: FieldError[] = []
  if (input.category_ids && input.category_ids.length > 0) {
    const found = new Set(await existingCategoryIds(db, input.category_ids))
    const missing = input.category_ids.filter((id) => !found.has(id))
    if (missing.length > 0) errors.push({ field: 'category_ids', in: 'body', message: `has unknown ids: ${missing.join(', ')}` })
  }
  if (input.images && input.images.length > 0) {
    const found = new Set(
      await existingMediaIds(
        db,
        input.images.map((i) => i.media_id),
      ),
    )
    input.images.forEach((image, i) => {
      if (!found.has(image.media_id))
        errors.push({ field: `images.${i}.media_id`, in: 'body', message: `is not a media item: ${image.media_id}` })
    })
  }
  const skus = [...(input.sku !== undefined ? [input.sku] : []), ...(input.variants ?? []).map((v) => v.sku)]
  if (skus.length > 0) {
    const taken = new Set(await takenSkus(db, skus, productId))
    if (input.sku !== undefined && taken.has(input.sku)) throw conflict('Another product or variant has this SKU.', 'sku')
    const variant = input.variants?.findIndex((v) => taken.has(v.sku)) ?? -1
    if (variant >= 0) throw conflict('Another product or variant has this SKU.', `variants.${variant}.sku`)
  }
  if (errors.length > 0) throw invalid(errors)
}

/** What a write to a product changed: the product, and the product list when it is or was on the site. */
function changedTags(id: number, before: ProductStatus | undefined, after: ProductStatus | undefined): ChangeTag[] {
  const listed = before === 'active' || after === 'active'
  return listed ? [tags.product(id), tags.list('products')] : [tags.product(id)]
}

/** Description → stored HTML and search text (rendered once, at save time, as content does). */
const describe = (description: string) => {
  const html = renderMarkdown(description)
  return { description, description_html: html, search_text: searchText(html) }
}

/** Editors and admins (the route checks the role): a product, its links, images and variants, in one transaction. */
export function createProduct(db: Db, input: ProductCreate): Promise<ProductDetailRow> {
  const options = input.options ?? []
  checkShape(input, options, input.variants, input.price_minor, input.compare_at_price_minor ?? null)
  const fields: ProductFields = {
    sku: input.sku,
    name: input.name,
    slug: input.slug ?? slugOrRandom(input.name),
    ...describe(input.description ?? ''),
    status: input.status ?? 'draft',
    price_minor: input.price_minor,
    compare_at_price_minor: input.compare_at_price_minor ?? null,
    stock: input.stock ?? null,
    attributes: input.attributes ?? {},
    options,
  }
  return conflictOnUnique('slug', 'Another product has this slug (or SKU).', () =>
    db.transaction().execute(async (trx) => {
      await checkReferences(trx, input, null)
      const id = await insertProduct(trx, fields)
      await writeRelations(trx, id, input)
      await syncFacetsOf(trx, id)
      const row = (await findProduct(trx, { id }, false, CURRENCY_SETTING)) as ProductDetailRow
      await queueProductEvent(trx, 'product.created', row)
      await recordChanges(trx, changedTags(id, undefined, fields.status))
      return row
    }),
  )
}

async function writeRelations(db: Db, id: number, input: ProductPatch) {
  if (input.category_ids) await replaceCategoryLinks(db, id, input.category_ids)
  if (input.images) await replaceImages(db, id, input.images)
  if (input.variants)
    await replaceVariants(
      db,
      id,
      input.variants.map((v) => ({ ...v, stock: v.stock ?? null })),
    )
}

/** Changes the fields sent; lists sent (categories, images, variants, options) replace the old ones. 404 for no such product. */
export function updateProductById(db: Db, id: number, input: ProductPatch): Promise<ProductDetailRow> {
  return conflictOnUnique('slug', 'Another product has this slug (or SKU).', () =>
    db.transaction().execute(async (trx) => {
      const locked = await lockProduct(trx, id)
      if (!locked) throw notFound('product', id)
      const before = (await findProduct(trx, { id }, false, CURRENCY_SETTING)) as ProductDetailRow
      const options = input.options ?? before.options
      // New options without new variants would leave the old variants choosing values that no longer exist.
      const variants = input.variants ?? (input.options ? [] : undefined)
      if (input.options && !input.variants && before.variants.length > 0)
        throw invalid([{ field: 'variants', in: 'body', message: 'must be sent with options when the product has variants' }])
      const price = input.price_minor ?? before.price_minor
      const compareAt = input.compare_at_price_minor !== undefined ? input.compare_at_price_minor : before.compare_at_price_minor
      checkShape(input, options, variants, price, compareAt)
      await checkReferences(trx, input, id)
      const { category_ids, images, variants: _v, description, ...columns } = input
      await updateProduct(trx, id, { ...columns, ...(description !== undefined ? describe(description) : {}) })
      await writeRelations(trx, id, { category_ids, images, variants })
      await syncFacetsOf(trx, id)
      const row = (await findProduct(trx, { id }, false, CURRENCY_SETTING)) as ProductDetailRow
      await queueProductEvent(trx, 'product.updated', row)
      await recordChanges(trx, changedTags(id, before.status, row.status))
      return row
    }),
  )
}

export function deleteProduct(db: Db, id: number): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const deleted = await deleteProductRow(trx, id)
    if (!deleted) throw notFound('product', id)
    await queueProductEvent(trx, 'product.deleted', { id })
    await recordChanges(trx, changedTags(id, deleted.status, undefined))
  })
}

/**
 * Adds `delta` to a product's (or one of its variants') tracked stock,
 * atomically (one conditional UPDATE; products.queries.ts). 409 when the stock
 * would go below zero (or past 2^31-1) or is not tracked; 404 when there is no
 * such product or variant. Running out, or coming back, changes the lists that
 * filter by stock: the change names the product list then.
 */
export async function changeStock(db: Db, id: number, delta: number, variantId?: number) {
  // The common case in one statement with its change record: a product's own stock that stays above zero
  // (no facet row moves). Anything else — a variant, running out, coming back, a refusal — takes the
  // transaction below (this statement changed nothing then).
  if (variantId === undefined) {
    const [row] = await writeRecordingChanges(db, productStockAboveZero(id, delta), [tags.product(id), tags.list('products')])
    if (row) return { id, variant_id: null, stock: row.stock }
  }
  return db.transaction().execute(async (trx) => {
    const changed = variantId === undefined ? await changeProductStock(trx, id, delta) : await changeVariantStock(trx, id, variantId, delta)
    if (!changed) {
      const current = await findStock(trx, id, variantId)
      if (!current) throw notFound(variantId === undefined ? 'product' : 'variant', variantId ?? id)
      if (current.stock === null) throw conflict('This stock is not tracked.', 'delta')
      throw conflict(delta < 0 ? `Only ${current.stock} in stock.` : 'The stock would exceed its maximum.', 'delta')
    }
    const crossed = (changed.before === 0) !== (changed.stock === 0)
    // In or out of stock: the product's '@in_stock' facet row follows (lists filter and count by it).
    if (crossed && variantId === undefined) await syncFacetsOf(trx, id)
    // A product's own stock also moves its updated_at, which /sitemap.xml shows as lastmod (a page tagged
    // list:products only); a variant's stock changes its product's page and, crossing zero, the lists.
    const listChanged = crossed || variantId === undefined
    await recordChanges(trx, listChanged ? [tags.product(id), tags.list('products')] : [tags.product(id)])
    return { id, variant_id: variantId ?? null, stock: changed.stock }
  })
}
