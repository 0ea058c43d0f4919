import type { RawBuilder } from 'kysely'
import { type Db, sql } from '#core/db/database.ts'
import { type Cursor, keyset, type Sort } from '#core/http/pagination.ts'
import type { Attributes, ProductOption, ProductStatus } from './products.schemas.ts'

/**
 * The product catalog's SQL (issue 11; decision 0020). Reads are plain functions
 * for the API and the public pages: `listProducts` (filters, sorts, keyset
 * cursors), `countFacets` (facet counts) and `findProduct` (one product with its
 * categories, images and variants, in one statement).
 */

/** An image as the statements send it: the media item, its alt text in this product and its variants. */
export type ImageRow = {
  media_id: number
  sha256: string
  extension: string
  alt: string
  width: number | null
  height: number | null
  variants: { format: 'jpg' | 'png' | 'webp' | 'avif'; width: number; sha256: string }[]
}
export type CategoryRef = { id: number; slug: string; name: string }
export type VariantRow = { id: number; sku: string; price_minor: number; stock: number | null; option_values: Record<string, string> }

export type ProductRow = {
  id: number
  sku: string
  name: string
  slug: string
  status: ProductStatus
  price_minor: number
  compare_at_price_minor: number | null
  stock: number | null
  attributes: Attributes
  options: ProductOption[]
  created_at: Date
  updated_at: Date
  /** The site's currency, read with the row (settings `site_currency`). */
  currency: string
  images: ImageRow[]
}
/** A product as its own page or the API's get shows it. */
export type ProductDetailRow = ProductRow & {
  description: string
  description_html: string
  categories: CategoryRef[]
  variants: VariantRow[]
}
export type ProductListRow = ProductRow & { cursor_key: string | number | null }

/** The currency setting as a column (the settings feature names the key: CURRENCY_SETTING). */
export type CurrencySetting = { key: string; fallback: string }
const currencyColumn = (c: CurrencySetting) =>
  sql`coalesce((select s.value #>> '{}' from settings s where s.key = ${c.key}), ${c.fallback}::text) as currency`

const imagesOf = (limit: RawBuilder<unknown>) => sql`coalesce((select json_agg(json_build_object(
    'media_id', m.id, 'sha256', m.sha256, 'extension', m.extension, 'alt', pi.alt, 'width', m.width, 'height', m.height,
    'variants', coalesce((select json_agg(json_build_object('format', v.format, 'width', v.width, 'sha256', v.sha256))
      from media_variants v where v.media_id = m.id), '[]'::json)) order by pi.position)
  from (select product_id, media_id, alt, position from product_images where product_id = p.id order by position ${limit}) pi
  join media m on m.id = pi.media_id), '[]'::json) as images`

const ROW_COLUMNS = sql`p.id, p.sku, p.name, p.slug, p.status, p.price_minor, p.compare_at_price_minor, p.stock, p.attributes,
  p.options, p.created_at, p.updated_at`

// --- filters ----------------------------------------------------------------

/**
 * Which products a list holds. `publicOnly`: anonymous callers and members see
 * active products only. `attributes`: name → values (values of one name are OR,
 * names AND). `categoryId` includes the category's sub-categories.
 */
export type ProductFilter = {
  publicOnly: boolean
  status?: ProductStatus
  slug?: string
  categoryId?: number
  priceMin?: number
  priceMax?: number
  inStock?: boolean
  q?: string
  attributes: Map<string, string[]>
}

/** Facet names in product_facets that are not attributes (attribute names match ^[a-z]…, these start with @). */
export const CATEGORY_FACET = '@category'
export const PRICE_FACET = '@price'
/** Facet rows that only filter: '@in_stock' 'true'/'false', '@status' the status (visibility and the editors' status filter). */
const IN_STOCK_FACET = '@in_stock'
const STATUS_FACET = '@status'
const STATUSES: ProductStatus[] = ['draft', 'active', 'archived']

/**
 * The lower edges of the price facet's buckets, in minor units (the last bucket
 * is open-ended). Changing them takes a rewrite of every product's '@price'
 * facet row (syncProductFacets over all products).
 */
export const PRICE_EDGES = [0, 1000, 2500, 5000, 10000, 25000, 50000, 100000] as const
const PRICE_EDGES_SQL = sql.raw(`'{${PRICE_EDGES.join(',')}}'::bigint[]`)

const tsquery = (q: string) => sql`websearch_to_tsquery('english'::regconfig, ${q})`

/**
 * A price range as facet buckets: the buckets wholly inside it (`full`, as
 * '@price' values) and the parts of it in a bucket only partly inside (`parts`,
 * inclusive [from, to] ranges, to null for no upper end: none when the range's
 * ends are bucket edges, as a price facet link sends them).
 */
function priceBuckets(min: number | undefined, max: number | undefined) {
  const edges: readonly number[] = PRICE_EDGES
  const low = min ?? 0
  const full = edges.filter((edge, i) => edge >= low && (max === undefined || (edges[i + 1] ?? Number.POSITIVE_INFINITY) - 1 <= max))
  const parts: [number, number | null][] = []
  if (full.length === 0) parts.push([low, max ?? null])
  else {
    const first = full[0] as number
    const next = edges[edges.indexOf(full.at(-1) as number) + 1]
    if (low < first) parts.push([low, first - 1])
    if (next !== undefined && max !== undefined && max >= next) parts.push([next, max])
  }
  return { full: full.map(String), parts }
}

/**
 * One condition of a filter as facet bitmaps (product_facet_bits, decision
 * 0020 "Speed"): the products with one of `values` under facet `name` (the
 * bitmaps OR-ed), and those `rows` selects (alias p; made a bitmap by
 * bitsOfRows: a price range's partial buckets, full text); the conditions of a
 * filter are AND-ed. `facet`: the facet whose own filter it is (left out when
 * that facet is counted).
 */
type BitCondition = { name: string; values: string[]; facet?: string; rows?: RawBuilder<unknown> }

/**
 * `f` as facet bitmap conditions: visibility and status first (the catalog a
 * count is out of), stock, category, attributes; with `rows`, also a price
 * range (its partial buckets read from products_price_idx) and full text (from
 * the GIN index); without, a price range only when it is whole buckets (a list
 * tests price and q on each row it reads anyway).
 */
function bitConditions(f: ProductFilter, rows: boolean) {
  const bits: BitCondition[] = [{ name: STATUS_FACET, values: f.publicOnly ? ['active'] : f.status !== undefined ? [f.status] : STATUSES }]
  if (f.publicOnly && f.status !== undefined) bits.push({ name: STATUS_FACET, values: [f.status] })
  if (f.inStock !== undefined) bits.push({ name: IN_STOCK_FACET, values: [String(f.inStock)] })
  if (f.categoryId !== undefined) bits.push({ name: CATEGORY_FACET, values: [String(f.categoryId)], facet: CATEGORY_FACET })
  for (const [name, values] of f.attributes) bits.push({ name, values, facet: name })
  if (f.priceMin !== undefined || f.priceMax !== undefined) {
    const { full, parts } = priceBuckets(f.priceMin, f.priceMax)
    // One index range per part, each an Index Only Scan of products_price_idx.
    const ranges = parts.map(
      ([from, to]) =>
        sql`select p.id from products p where p.price_minor >= ${from} ${to === null ? sql`` : sql`and p.price_minor <= ${to}`}`,
    )
    if (parts.length === 0) bits.push({ name: PRICE_FACET, values: full, facet: PRICE_FACET })
    else if (rows) bits.push({ name: PRICE_FACET, values: full, facet: PRICE_FACET, rows: sql.join(ranges, sql` union all `) })
  }
  const own = [
    ...(f.q !== undefined ? [sql`p.search_vector @@ ${tsquery(f.q)}`] : []),
    ...(f.slug !== undefined ? [sql`p.slug = ${f.slug}`] : []),
  ]
  if (rows && own.length > 0) bits.push({ name: '', values: [], rows: sql`select p.id from products p where ${and(own)}` })
  return bits
}

/** The filters on products' own columns (visibility, status, slug, stock, search, price): a list with no facet filter. */
function columnConditions(f: ProductFilter) {
  const out: RawBuilder<unknown>[] = []
  if (f.publicOnly) out.push(sql`p.status = 'active'`)
  if (f.status !== undefined) out.push(sql`p.status = ${f.status}`)
  if (f.slug !== undefined) out.push(sql`p.slug = ${f.slug}`)
  if (f.priceMin !== undefined) out.push(sql`p.price_minor >= ${f.priceMin}`)
  if (f.priceMax !== undefined) out.push(sql`p.price_minor <= ${f.priceMax}`)
  if (f.inStock === true) out.push(sql`(p.stock is null or p.stock > 0)`)
  if (f.inStock === false) out.push(sql`p.stock = 0`)
  if (f.q !== undefined) out.push(sql`p.search_vector @@ ${tsquery(f.q)}`)
  return out
}

const and = (conditions: RawBuilder<unknown>[]) => (conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `))

/**
 * `c0 as (…), c1 as (…)`: each condition's bitmap (null when no product has any
 * of its values: then nothing matches). `|| B''` makes it a plain value once: a
 * stored bitmap is compressed, and each bit test would decompress it again.
 */
const bitCtes = (conditions: BitCondition[]) =>
  sql.join(
    conditions.map((c, i) => {
      const stored = sql`select b.bits from product_facet_bits b where b.name = ${c.name} and b.value = any(${c.values}::text[])`
      // Of the same length as the stored bitmaps (a product past their end has no facet rows: it matches nothing).
      const length = sql`(select length(b.bits) from product_facet_bits b limit 1)`
      const made =
        c.rows &&
        sql`select m.bits from (${bitsOfRows(
          sql`(select '' as name, '' as value, r.id as product_id from (${c.rows}) r where r.id < ${length})`,
          length,
        )}) m`
      return sql`${sql.raw(`c${i}`)} as (select bit_or(x.bits) || B'' as b from (${made ? sql`${stored} union all ${made}` : stored}) x)`
    }),
    sql`, `,
  )
const bitsFrom = (indexes: number[]) =>
  sql.join(
    indexes.map((i) => sql.raw(`c${i}`)),
    sql`, `,
  )
const bitsAnd = (indexes: number[]) =>
  sql.join(
    indexes.map((i) => sql.raw(`c${i}.b`)),
    sql` & `,
  )

/**
 * Whether product `id` has its bit in `bits` (false for ids past the end: a
 * product without facet rows). A substring, not get_bit, which fails past the
 * end; and no CASE, so the planner reads it as the selective equality it is.
 */
const hasBit = (bits: RawBuilder<unknown>, id: RawBuilder<unknown>) => sql`substring(${bits} from ${id}::int + 1 for 1) = B'1'`

/**
 * hasBit for the sort-index walk of a list, which runs only when at least one
 * product in SPARSE matches: written as a CASE, which the planner estimates at
 * half the rows (an equality it would estimate at 0.5 %, and on a small catalog
 * prefer a sequential scan and a sort to the walk that stops at the limit).
 */
const hasBitDense = (bits: RawBuilder<unknown>, id: RawBuilder<unknown>) =>
  sql`(case when ${id} < length(${bits}) then get_bit(${bits}, ${id}::int) = 1 else false end)`

// --- list -------------------------------------------------------------------

/** The list orders (decision 0013 keysets; indexes of migration 0030). `relevance` ranks by q and pages by offset. */
export const PRODUCT_SORTS = {
  price: { name: 'price', direction: 'asc', key: 'bigint' },
  '-price': { name: '-price', direction: 'desc', key: 'bigint' },
  name: { name: 'name', direction: 'asc', key: 'text' },
  '-created_at': { name: '-created_at', direction: 'desc', key: 'timestamptz' },
} as const satisfies Record<string, Sort>
export type KeysetSortName = keyof typeof PRODUCT_SORTS

const SORT_KEYS: Record<KeysetSortName, RawBuilder<unknown>> = {
  price: sql`p.price_minor`,
  '-price': sql`p.price_minor`,
  name: sql`p.name`,
  '-created_at': sql`p.created_at`,
}

/**
 * Below one match in this many products of the catalog, a list reads its
 * matches from the bitmap and sorts them; at or above it, it walks its sort
 * index and keeps the rows whose bit is set (about limit × this rows read).
 */
const SPARSE = 200
const ZERO_WORD = sql.raw(`B'${'0'.repeat(64)}'`)

/**
 * The page's rows of a filtered list with a category or attribute filter: the
 * filter's bitmap `f` (an AND of its conditions' bitmaps, computed once), then
 * one of two plans by how many products match (`n.matches`, exact):
 * - many: down the sort index, each row's bit tested, stopping at the limit;
 * - few (under one in SPARSE): the set bits read 64 at a time from the bitmap
 *   (a word of zeros skipped whole), those products fetched by primary key
 *   (`offset 0` keeps it a lookup per id: on a small catalog the planner would
 *   otherwise hash-join them with a sequential scan) and sorted;
 * - none: neither runs.
 * Each branch is gated by a one-time filter, so only one is executed.
 * The limit and SPARSE are literals, not parameters (as the posts list's limit,
 * decision 0010): with a parameter for the limit the generic plan's estimate assumes
 * a tenth of the table, so PostgreSQL re-planned this statement at every call
 * (~0.75 ms of planning); with literals it keeps the generic plan after five.
 */
function bitmapPage(
  bits: BitCondition[],
  rowConditions: RawBuilder<unknown>[],
  order: { orderBy: RawBuilder<unknown>; after: RawBuilder<unknown> },
  limit: number,
) {
  const all = bits.map((_, i) => i)
  const fb = sql`(select f.b from f)`
  const rows = and([...rowConditions, order.after])
  return sql`with ${bitCtes(bits)},
      f as (select ${bitsAnd(all)} as b from ${bitsFrom(all)}),
      n as (select coalesce(bit_count(f.b), 0) as matches, coalesce(bit_count(c0.b), 0) as total from f, c0),
      page as materialized (
        (select p.id from products p
          where (select n.matches > 0 and n.matches * ${sql.lit(SPARSE)} >= n.total from n) and ${hasBitDense(fb, sql`p.id`)} and ${rows}
          order by ${order.orderBy} limit ${sql.lit(limit)})
        union all
        (select p.id from (select w.k * 64 + j.j as id from generate_series(0, length(${fb}) / 64 - 1) as w(k)
            cross join generate_series(0, 63) as j(j)
            where substring(${fb} from w.k * 64 + 1 for 64) <> ${ZERO_WORD} and get_bit(${fb}, w.k * 64 + j.j) = 1) x
          cross join lateral (select * from products p where p.id = x.id offset 0) p
          where (select n.matches > 0 and n.matches * ${sql.lit(SPARSE)} < n.total from n) and ${rows}
          order by ${order.orderBy} limit ${sql.lit(limit)}))`
}

/** The statement of listProducts (the plan test EXPLAINs it). */
export function listProductsStatement(
  f: ProductFilter,
  page: { sort: KeysetSortName; after: Cursor | undefined; limit: number },
  currency: CurrencySetting,
) {
  const order = keyset(PRODUCT_SORTS[page.sort], { key: SORT_KEYS[page.sort], id: sql`p.id` }, page.after)
  const select = sql`select ${ROW_COLUMNS}, ${order.cursorKey}, ${currencyColumn(currency)}, ${imagesOf(sql`limit 1`)} from products p`
  if (f.categoryId === undefined && f.attributes.size === 0) {
    const where = [...columnConditions(f), order.after]
    return sql<ProductListRow>`${select} where ${and(where)} order by ${order.orderBy} limit ${sql.lit(page.limit + 1)}`
  }
  const bits = bitConditions(f, false)
  // The bitmaps select; the row's own columns are tested too (all of them: cheap, and exact for a price between edges or q).
  return sql<ProductListRow>`${bitmapPage(bits, columnConditions(f), order, page.limit + 1)}
    ${select} where p.id in (select page.id from page) order by ${order.orderBy}`
}

/**
 * One page (limit + 1 rows, for toPage) of the products `f` selects, in one
 * statement with each row's first image and the site's currency. Only the
 * filters given are in the statement (each combination its own plan).
 */
export const listProducts = (
  db: Db,
  f: ProductFilter,
  page: { sort: KeysetSortName; after: Cursor | undefined; limit: number },
  currency: CurrencySetting,
): Promise<ProductListRow[]> =>
  listProductsStatement(f, page, currency)
    .execute(db)
    .then((r) => r.rows)

/** A page of the products `f` selects (f.q required), best match first: ts_rank_cd, then id; `offset` rows skipped. */
export function listProductsByRelevanceStatement(
  f: ProductFilter & { q: string },
  page: { offset: number; limit: number },
  currency: CurrencySetting,
) {
  const select = sql`select ${ROW_COLUMNS}, null as cursor_key, ${currencyColumn(currency)}, ${imagesOf(sql`limit 1`)} from products p`
  const order = sql`order by ts_rank_cd(p.search_vector, ${tsquery(f.q)}) desc, p.id limit ${page.limit + 1} offset ${page.offset}`
  if (f.categoryId === undefined && f.attributes.size === 0)
    return sql<ProductListRow>`${select} where ${and(columnConditions(f))} ${order}`
  // The full-text matches (GIN index), each tested against the category and attribute bitmaps.
  const bits = bitConditions(f, false)
  const all = bits.map((_, i) => i)
  return sql<ProductListRow>`with ${bitCtes(bits)}, f as (select ${bitsAnd(all)} as b from ${bitsFrom(all)})
    ${select} where ${and(columnConditions(f))} and ${hasBit(sql`(select f.b from f)`, sql`p.id`)} ${order}`
}

export const listProductsByRelevance = (
  db: Db,
  f: ProductFilter & { q: string },
  page: { offset: number; limit: number },
  currency: CurrencySetting,
): Promise<ProductListRow[]> =>
  listProductsByRelevanceStatement(f, page, currency)
    .execute(db)
    .then((r) => r.rows)

// --- facets -----------------------------------------------------------------

export type FacetCount = { value: string; count: number }

/** At most this many values per facet, most products first. */
const FACET_VALUES = 200

/**
 * The statement of countFacets (the plan test EXPLAINs it): for each facet of
 * `names` (an attribute, CATEGORY_FACET or PRICE_FACET), each value's count
 * over the products `f` selects WITHOUT that facet's own filter (as shops show
 * them: the other colours stay choosable).
 * - Filters the bitmaps answer alone: per value, bit_count(value's bitmap AND
 *   the other conditions' bitmaps), with no row of products or product_facets read.
 * - Full text, and the partly covered buckets of a price range, are made
 *   bitmaps first (bitConditions: read through the GIN search index and the
 *   price index), once per statement.
 */
export function countFacetsStatement(f: ProductFilter, names: string[]) {
  const bits = bitConditions(f, true)
  const perFacet = names.map((name) => {
    const others = bits.flatMap((c, i) => (c.facet === name ? [] : [i]))
    // The other conditions' bitmap, AND-ed once (an InitPlan).
    return sql`select v.name, v.value, bit_count(v.bits & (select ${bitsAnd(others)} from ${bitsFrom(others)}))::int as count
      from product_facet_bits v where v.name = ${name}`
  })
  return sql<FacetCount & { name: string }>`with ${bitCtes(bits)}
    select s.name, s.value, s.count from (${sql.join(
      perFacet.map((s) => sql`(${s})`),
      sql` union all `,
    )}) s
    order by s.name, s.count desc, s.value`
}

/** The counts of each facet of `names` (countFacetsStatement), in one statement: name → values, most products first. */
export async function countFacets(db: Db, f: ProductFilter, names: string[]): Promise<Map<string, FacetCount[]>> {
  const out = new Map<string, FacetCount[]>(names.map((name) => [name, []]))
  if (names.length === 0) return out
  const rows = (await countFacetsStatement(f, names).execute(db)).rows
  for (const row of rows) {
    // Values no product of the selection has are left out (filtered here: in the statement the count would be computed twice).
    const values = row.count > 0 ? out.get(row.name) : undefined
    if (values && values.length < FACET_VALUES) values.push({ value: row.value, count: row.count })
  }
  return out
}

/**
 * The statement of countProducts: how many products `f` selects, whatever the
 * page. The AND of its conditions' bitmaps is counted, as a facet's counts are
 * (full text, and a price range between bucket edges, made bitmaps first), so
 * the total and the facets always agree; no product row is read for the others.
 */
export function countProductsStatement(f: ProductFilter) {
  const bits = bitConditions(f, true)
  const all = bits.map((_, i) => i)
  return sql<{ total: number }>`with ${bitCtes(bits)}
    select coalesce(bit_count(${bitsAnd(all)}), 0)::int as total from ${bitsFrom(all)}`
}

/** How many products `f` selects (`?include_total=true`). */
export const countProducts = (db: Db, f: ProductFilter) =>
  countProductsStatement(f)
    .execute(db)
    .then((r) => (r.rows[0] as { total: number }).total)

/** The ids of the attribute names among `names` that some product has (unknown ones are a 400 for the API). */
export const knownAttributeNames = (db: Db, names: string[]) =>
  sql<{ name: string }>`select n.name from unnest(${names}::text[]) as n(name)
    where exists (select 1 from product_facets f where f.name = n.name)`
    .execute(db)
    .then((r) => r.rows.map((row) => row.name))

// --- keeping product_facets and its bitmaps in step -------------------------

/** The facet bitmaps' length grows by this many bits (a product id past the end lengthens them all). */
const BITS_CHUNK = 8192

/**
 * Rows (name, value, product_id) of relation `rows` as one bit string of
 * `length` bits per (name, value): four products to a hex digit, runs of empty
 * digits as zeros (the same expression as migration 0042's).
 */
const bitsOfRows = (rows: RawBuilder<unknown>, length: number | RawBuilder<unknown>) => sql`select s.name, s.value,
    ('x' || string_agg(repeat('0', s.k - coalesce(s.prev, -1) - 1) || to_hex(s.v), '' order by s.k)
      || repeat('0', (${length})::int / 4 - 1 - max(s.k)))::varbit as bits
  from (select n.name, n.value, n.k, n.v, lag(n.k) over (partition by n.name, n.value order by n.k) as prev
    from (select r.name, r.value, (r.product_id / 4)::int as k, sum(8 >> (r.product_id % 4)::int)::int as v
      from ${rows} r group by r.name, r.value, (r.product_id / 4)::int) n) s
  group by s.name, s.value`

/** The bitmaps' writers one at a time, until commit (concurrent writes to the same bitmap rows could deadlock). */
const lockFacetBits = (db: Db) => sql`select pg_advisory_xact_lock(hashtextextended('plinth:product_facet_bits', 0))`.execute(db)

/**
 * Takes the bitmaps' lock and lengthens every bitmap past the highest product id that `where` selects.
 * Returns the bitmaps' length.
 */
async function prepareFacetBits(db: Db, where: RawBuilder<unknown>) {
  await lockFacetBits(db)
  const { rows } = await sql<{ current: number; needed: number }>`select
      coalesce((select length(b.bits) from product_facet_bits b limit 1), 0) as current,
      coalesce((select (max(p.id) / ${BITS_CHUNK} + 1) * ${BITS_CHUNK} from products p where ${where}), 0)::int as needed`.execute(db)
  const { current, needed } = rows[0] as { current: number; needed: number }
  if (needed <= current) return current
  await sql`update product_facet_bits set bits = bits || repeat('0', ${needed}::int - length(bits))::varbit`.execute(db)
  return needed
}

/**
 * Rewrites the product_facets rows of the products `where` selects (alias p;
 * it must not read product_facets, which the first statement changes), and
 * their bits in product_facet_bits (cleared for the old rows, set for the new):
 * each attribute value, the price bucket, stock and status, and the products'
 * categories with all their ancestors. Set-based, so the seed runs it over
 * thousands of products at once. Run it in the transaction of the write.
 */
export async function syncProductFacets(db: Db, where: RawBuilder<unknown>, options: { fresh?: boolean } = {}) {
  const length = await prepareFacetBits(db, where)
  // `fresh`: products just inserted have no rows yet (a bulk load skips the delete).
  if (!options.fresh)
    await sql`with old as (delete from product_facets where product_id in (select p.id from products p where ${where})
        returning product_id, name, value)
      update product_facet_bits b set bits = b.bits & ~m.bits from (${bitsOfRows(sql`old`, length)}) m
      where b.name = m.name and b.value = m.value`.execute(db)
  await sql`with new as (insert into product_facets (product_id, name, value, listed)
      select p.id, a.key, v.value, p.status = 'active' from products p
        cross join lateral jsonb_each(p.attributes) a
        cross join lateral jsonb_array_elements_text(
          case when jsonb_typeof(a.value) = 'array' then a.value else jsonb_build_array(a.value) end) v(value)
        where ${where}
      union
      select p.id, ${PRICE_FACET}, (${PRICE_EDGES_SQL})[width_bucket(p.price_minor, ${PRICE_EDGES_SQL})]::text, p.status = 'active'
        from products p where ${where}
      union
      select p.id, ${IN_STOCK_FACET}, (p.stock is null or p.stock > 0)::text, p.status = 'active' from products p where ${where}
      union
      select p.id, ${STATUS_FACET}, p.status, p.status = 'active' from products p where ${where}
      union
      select p.id, ${CATEGORY_FACET}, up.id::text, p.status = 'active'
        from products p join product_category_links l on l.product_id = p.id
        cross join lateral (
          with recursive up(id, parent_id) as (
            select c.id, c.parent_id from product_categories c where c.id = l.category_id
            union all
            select c.id, c.parent_id from product_categories c join up on c.id = up.parent_id)
          select id from up) up
        where ${where}
      returning product_id, name, value)
    insert into product_facet_bits (name, value, bits) ${bitsOfRows(sql`new`, length)}
    on conflict (name, value) do update set bits = product_facet_bits.bits | excluded.bits`.execute(db)
}

/** The facet rows of one product. */
export const syncFacetsOf = (db: Db, id: number) => syncProductFacets(db, sql`p.id = ${id}`)

/** The facet rows of the products with ids first…last, just inserted (a bulk load). */
export const insertFacetsOfRange = (db: Db, first: number, last: number) =>
  syncProductFacets(db, sql`p.id between ${first} and ${last}`, { fresh: true })

/** The facet rows of the products `ids`. */
export const syncFacetsOfIds = (db: Db, ids: number[]) => syncProductFacets(db, sql`p.id = any(${ids}::bigint[])`)

// --- one product ------------------------------------------------------------

/** One product by id or slug, with its categories, images and variants, in one statement; undefined when absent or not visible. */
export const findProduct = (db: Db, by: { id: number } | { slug: string }, publicOnly: boolean, currency: CurrencySetting) =>
  findProductStatement(by, publicOnly, currency)
    .execute(db)
    .then((r) => r.rows[0])

/** The statement of findProduct (the plan test EXPLAINs it). */
export function findProductStatement(by: { id: number } | { slug: string }, publicOnly: boolean, currency: CurrencySetting) {
  const match = 'id' in by ? sql`p.id = ${by.id}` : sql`p.slug = ${by.slug}`
  return sql<ProductDetailRow>`select ${ROW_COLUMNS}, p.description, p.description_html, ${currencyColumn(currency)}, ${imagesOf(sql``)},
      coalesce((select json_agg(json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) order by c.name, c.id)
        from product_category_links l join product_categories c on c.id = l.category_id where l.product_id = p.id), '[]'::json) as categories,
      coalesce((select json_agg(json_build_object('id', v.id, 'sku', v.sku, 'price_minor', v.price_minor, 'stock', v.stock,
          'option_values', v.option_values) order by v.position, v.id)
        from product_variants v where v.product_id = p.id), '[]'::json) as variants
    from products p where ${match} ${publicOnly ? sql`and p.status = 'active'` : sql``}`
}

/** A product's status, locked for the write (undefined: no such product). */
export const lockProduct = (db: Db, id: number) =>
  sql<{
    id: number
    status: ProductStatus
    slug: string
    description: string
    description_html: string
  }>`select id, status, slug, description, description_html
    from products where id = ${id} for update`
    .execute(db)
    .then((r) => r.rows[0])

// --- writes -----------------------------------------------------------------

/** The product columns a create or update writes. */
export type ProductFields = {
  sku: string
  name: string
  slug: string
  description: string
  description_html: string
  search_text: string
  status: ProductStatus
  price_minor: number
  compare_at_price_minor: number | null
  stock: number | null
  attributes: Attributes
  options: ProductOption[]
}

export const insertProduct = (db: Db, p: ProductFields) =>
  sql<{ id: number }>`insert into products (sku, name, slug, description, description_html, search_text, status, price_minor,
      compare_at_price_minor, stock, attributes, options)
    values (${p.sku}, ${p.name}, ${p.slug}, ${p.description}, ${p.description_html}, ${p.search_text}, ${p.status}, ${p.price_minor},
      ${p.compare_at_price_minor}, ${p.stock}, ${JSON.stringify(p.attributes)}::text::jsonb, ${JSON.stringify(p.options)}::text::jsonb)
    returning id`
    .execute(db)
    .then((r) => (r.rows[0] as { id: number }).id)

/** Writes the fields given (the rest stay); `updated_at` moves. */
export function updateProduct(db: Db, id: number, p: Partial<ProductFields>) {
  const sets: RawBuilder<unknown>[] = [sql`updated_at = now()`]
  for (const [column, value] of Object.entries(p)) {
    if (value === undefined) continue
    const json = column === 'attributes' || column === 'options'
    sets.push(json ? sql`${sql.ref(column)} = ${JSON.stringify(value)}::text::jsonb` : sql`${sql.ref(column)} = ${value}`)
  }
  return sql`update products set ${sql.join(sets, sql`, `)} where id = ${id}`.execute(db)
}

/** Deletes a product (its facet rows go with it by the foreign key) and clears its bit in every facet bitmap. */
const INT_MAX = 2_147_483_647

export async function deleteProductRow(db: Db, id: number) {
  // A product's bit is at its id, an int: a larger id (a valid path parameter) names no product, and
  // an id with no product must not reach set_bit (the bit strings are only as long as the largest id).
  if (id > INT_MAX) return undefined
  const found = await sql`select 1 from products where id = ${id}`.execute(db)
  if (found.rows.length === 0) return undefined
  await lockFacetBits(db)
  await sql`update product_facet_bits set bits = set_bit(bits, ${id}::int, 0) where ${hasBit(sql`bits`, sql`${id}::bigint`)}`.execute(db)
  return sql<{ id: number; status: ProductStatus }>`delete from products where id = ${id} returning id, status`
    .execute(db)
    .then((r) => r.rows[0])
}

export async function replaceCategoryLinks(db: Db, productId: number, categoryIds: number[]) {
  await sql`delete from product_category_links where product_id = ${productId}`.execute(db)
  if (categoryIds.length > 0)
    await sql`insert into product_category_links (product_id, category_id) select ${productId}, unnest(${categoryIds}::bigint[])`.execute(
      db,
    )
}

export async function replaceImages(db: Db, productId: number, images: { media_id: number; alt: string }[]) {
  await sql`delete from product_images where product_id = ${productId}`.execute(db)
  if (images.length > 0)
    await sql`insert into product_images (product_id, position, media_id, alt)
      select ${productId}, i.ord - 1, i.media_id, i.alt
      from unnest(${images.map((i) => i.media_id)}::bigint[], ${images.map((i) => i.alt)}::text[]) with ordinality as i(media_id, alt, ord)`.execute(
      db,
    )
}

export async function replaceVariants(
  db: Db,
  productId: number,
  variants: { sku: string; price_minor: number; stock: number | null; option_values: Record<string, string> }[],
) {
  await sql`delete from product_variants where product_id = ${productId}`.execute(db)
  if (variants.length > 0)
    await sql`insert into product_variants (product_id, sku, price_minor, stock, option_values, position)
      select ${productId}, v.sku, v.price_minor, v.stock, v.option_values::jsonb, v.ord - 1
      from unnest(${variants.map((v) => v.sku)}::text[], ${variants.map((v) => v.price_minor)}::bigint[],
        ${variants.map((v) => v.stock)}::int[], ${variants.map((v) => JSON.stringify(v.option_values))}::text[])
        with ordinality as v(sku, price_minor, stock, option_values, ord)`.execute(db)
}

/** SKUs among `skus` that a product or a variant (of another product than `exceptProductId`) already has. */
export const takenSkus = (db: Db, skus: string[], exceptProductId: number | null) =>
  sql<{ sku: string }>`select sku from products where sku = any(${skus}::text[]) and id is distinct from ${exceptProductId}
    union select sku from product_variants where sku = any(${skus}::text[]) and product_id is distinct from ${exceptProductId}`
    .execute(db)
    .then((r) => r.rows.map((row) => row.sku))

// --- stock ------------------------------------------------------------------

/**
 * Adds `delta` to a tracked stock in one conditional statement: the row is
 * changed only if the result stays within 0…2^31-1, so concurrent decrements
 * never oversell (each sees the row as the one before it left it). Undefined
 * when nothing changed; the caller tells why with findStock.
 */
export const changeProductStock = (db: Db, id: number, delta: number) =>
  sql<{ stock: number; before: number }>`update products set stock = stock + ${delta}, updated_at = now()
    where id = ${id} and stock is not null and stock::bigint + ${delta} between 0 and 2147483647
    returning stock, stock - ${delta} as before`
    .execute(db)
    .then((r) => r.rows[0])

/** The update of changeProductStock when the stock stays above zero (no facet moves), as a statement for writeRecordingChanges. */
export const productStockAboveZero = (id: number, delta: number) =>
  sql<{ stock: number }>`update products set stock = stock + ${delta}, updated_at = now()
    where id = ${id} and stock > 0 and stock::bigint + ${delta} between 1 and 2147483647
    returning stock`

export const changeVariantStock = (db: Db, productId: number, variantId: number, delta: number) =>
  sql<{ stock: number; before: number }>`update product_variants set stock = stock + ${delta}
    where id = ${variantId} and product_id = ${productId} and stock is not null and stock::bigint + ${delta} between 0 and 2147483647
    returning stock, stock - ${delta} as before`
    .execute(db)
    .then((r) => r.rows[0])

/** Whether a product (or its variant) exists and its stock (null: not tracked). */
export const findStock = (db: Db, id: number, variantId: number | undefined) =>
  (variantId === undefined
    ? sql<{ stock: number | null }>`select stock from products where id = ${id}`
    : sql<{ stock: number | null }>`select stock from product_variants where id = ${variantId} and product_id = ${id}`
  )
    .execute(db)
    .then((r) => r.rows[0])

/** Ids among `ids` of media items that exist. */
export const existingMediaIds = (db: Db, ids: number[]) =>
  sql<{ id: number }>`select id from media where id = any(${ids}::bigint[])`.execute(db).then((r) => r.rows.map((row) => row.id))

// --- categories -------------------------------------------------------------

export type CategoryRow = {
  id: number
  parent_id: number | null
  name: string
  slug: string
  description: string
  position: number
  created_at: Date
  updated_at: Date
}
const CATEGORY_COLUMNS = sql`id, parent_id, name, slug, description, position, created_at, updated_at`

export const CATEGORY_SORT = { name: 'position', direction: 'asc', key: null } as const satisfies Sort

/** Categories by id (a page; the tree is small and read whole by the facets and pages). */
export function listCategories(db: Db, page: { after: Cursor | undefined; limit: number; slug?: string }) {
  const order = keyset(CATEGORY_SORT, { id: sql`id` }, page.after)
  return sql<CategoryRow & { cursor_key: null }>`select ${CATEGORY_COLUMNS}, ${order.cursorKey} from product_categories
    where ${order.after} ${page.slug === undefined ? sql`` : sql`and slug = ${page.slug}`} order by ${order.orderBy} limit ${page.limit + 1}`
    .execute(db)
    .then((r) => r.rows)
}

/** How many categories there are, or (with `slug`) have that slug (`?include_total=true`). */
export const countCategories = (db: Db, slug: string | undefined) =>
  sql<{ total: number }>`select count(*)::int as total from product_categories
    ${slug === undefined ? sql`` : sql`where slug = ${slug}`}`
    .execute(db)
    .then((r) => (r.rows[0] as { total: number }).total)

/** Every category (id, parent, slug, name): the tree for facets and menus. */
export const listCategoryTree = (db: Db) =>
  sql<Pick<CategoryRow, 'id' | 'parent_id' | 'slug' | 'name' | 'position'>>`select id, parent_id, slug, name, position
    from product_categories order by position, name, id`
    .execute(db)
    .then((r) => r.rows)

export const findCategory = (db: Db, by: { id: number } | { slug: string }) =>
  sql<CategoryRow>`select ${CATEGORY_COLUMNS} from product_categories where ${'id' in by ? sql`id = ${by.id}` : sql`slug = ${by.slug}`}`
    .execute(db)
    .then((r) => r.rows[0])

export const existingCategoryIds = (db: Db, ids: number[]) =>
  sql<{ id: number }>`select id from product_categories where id = any(${ids}::bigint[])`
    .execute(db)
    .then((r) => r.rows.map((row) => row.id))

/** Whether `candidate` is `id` or one of its descendants (a parent there would make a cycle). */
export const isInSubtree = (db: Db, id: number, candidate: number) =>
  sql<{ found: boolean }>`with recursive down(id) as (
      select ${id}::bigint union all select c.id from product_categories c join down on c.parent_id = down.id)
    select exists (select 1 from down where id = ${candidate}) as found`
    .execute(db)
    .then((r) => r.rows[0]?.found === true)

export const insertCategory = (db: Db, c: Pick<CategoryRow, 'name' | 'slug' | 'description' | 'parent_id' | 'position'>) =>
  sql<CategoryRow>`insert into product_categories (name, slug, description, parent_id, position)
    values (${c.name}, ${c.slug}, ${c.description}, ${c.parent_id}, ${c.position}) returning ${CATEGORY_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0] as CategoryRow)

export const updateCategory = (db: Db, id: number, c: Pick<CategoryRow, 'name' | 'slug' | 'description' | 'parent_id' | 'position'>) =>
  sql<CategoryRow>`update product_categories set name = ${c.name}, slug = ${c.slug}, description = ${c.description},
      parent_id = ${c.parent_id}, position = ${c.position}, updated_at = now()
    where id = ${id} returning ${CATEGORY_COLUMNS}`
    .execute(db)
    .then((r) => r.rows[0])

export const lockCategory = (db: Db, id: number) =>
  sql<CategoryRow>`select ${CATEGORY_COLUMNS} from product_categories where id = ${id} for update`.execute(db).then((r) => r.rows[0])

export const hasChildCategories = (db: Db, id: number) =>
  sql<{ found: boolean }>`select exists (select 1 from product_categories where parent_id = ${id}) as found`
    .execute(db)
    .then((r) => r.rows[0]?.found === true)

/** The products in category `id` or below (their facet rows say so), to rewrite after the category moves or goes. */
export const productIdsUnder = (db: Db, id: number) =>
  sql<{ product_id: number }>`select product_id from product_facets where name = ${CATEGORY_FACET} and value = ${String(id)}`
    .execute(db)
    .then((r) => r.rows.map((row) => row.product_id))

export const deleteCategoryRow = (db: Db, id: number) =>
  sql<{ id: number }>`delete from product_categories where id = ${id} returning id`.execute(db).then((r) => r.rows[0])
