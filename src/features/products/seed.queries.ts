import { type Db, sql } from '#core/db/database.ts'

/**
 * Set-based statements of the catalog seed (`plinth seed products`, the demo's
 * products, the plan test and the benchmark): each batch is a handful of
 * INSERT … SELECT over generate_series, never a statement per product.
 * Values come from the row number n by fixed arithmetic, so a catalog is the
 * same on every run and every database.
 */

export const SEED_COLOURS = ['red', 'blue', 'green', 'black', 'white', 'grey', 'yellow', 'navy']
export const SEED_SIZES = ['XS', 'S', 'M', 'L', 'XL']
export const SEED_MATERIALS = ['cotton', 'linen', 'wool', 'silk', 'leather', 'denim']
const ADJECTIVES = ['Classic', 'Soft', 'Light', 'Warm', 'Slim', 'Relaxed', 'Everyday', 'Studio', 'Coastal', 'Urban', 'Field', 'Heritage']
const NOUNS = ['Tee', 'Shirt', 'Sweater', 'Jacket', 'Scarf', 'Cap', 'Trousers', 'Shorts', 'Dress', 'Coat', 'Hoodie', 'Bag', 'Belt', 'Socks']

const textArray = (values: readonly string[]) => sql.raw(`array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]::text[]`)

/** The seed's category tree (tops, each with children), made once; returns the leaf ids. */
export async function ensureSeedCategories(db: Db, prefix: string, tops: string[], children: string[]) {
  await sql`insert into product_categories (name, slug, position)
    select t.name, ${prefix} || '-' || t.ord, t.ord::int from unnest(${tops}::text[]) with ordinality as t(name, ord)
    on conflict (slug) do nothing`.execute(db)
  await sql`insert into product_categories (name, slug, parent_id, position)
    select t.name || ' ' || c.name, ${prefix} || '-' || t.ord || '-' || c.ord, p.id, c.ord::int
    from unnest(${tops}::text[]) with ordinality as t(name, ord)
    cross join unnest(${children}::text[]) with ordinality as c(name, ord)
    join product_categories p on p.slug = ${prefix} || '-' || t.ord
    on conflict (slug) do nothing`.execute(db)
  const rows = await sql<{ id: number }>`select id from product_categories where slug like ${`${prefix}-%-%`} order by id`.execute(db)
  return rows.rows.map((r) => r.id)
}

/** The highest seed number among products whose SKU starts with `skuPrefix` (0 for none): a second run continues after it. */
export const lastSeedNumber = (db: Db, skuPrefix: string) =>
  sql<{ n: number }>`select coalesce(max(substr(sku, ${skuPrefix.length + 1})::int), 0)::int as n from products
    where sku like ${`${skuPrefix}%`} and substr(sku, ${skuPrefix.length + 1}) ~ '^[0-9]+$'`
    .execute(db)
    .then((r) => r.rows[0]?.n ?? 0)

/**
 * Products number `from`…`to` (inclusive): SKU `${skuPrefix}${n}`, about 5% drafts, stock
 * not tracked for 10% and sold out for 10%, prices spread over every price
 * bucket, attributes colour, size (one to three) and material; one leaf
 * category each (a seventh of them two); every fourth product has a variant
 * per size. `mediaIds`: images to show, one per product in turn. Returns the
 * range of the new product ids. Colour and material are spread so that every
 * colour is in every category and every material in a sixth of the catalog.
 */
export async function insertSeedProducts(
  db: Db,
  o: { from: number; to: number; skuPrefix: string; slugPrefix: string; leafIds: number[]; mediaIds: number[] },
) {
  const ids = await sql<{ first: number; last: number }>`with inserted as (
      insert into products (sku, name, slug, description, description_html, search_text, status, price_minor, compare_at_price_minor,
        stock, attributes, options, created_at, updated_at)
      select ${o.skuPrefix} || n, name, ${o.slugPrefix} || n, 'A ' || lower(name) || ' in ' || material || '.',
        '<p>A ' || lower(name) || ' in ' || material || '.</p>', 'A ' || lower(name) || ' in ' || material || '.',
        case when n % 20 = 0 then 'draft' else 'active' end,
        price, case when n % 6 = 0 then price + price / 4 end,
        case n % 10 when 0 then null when 1 then 0 else (n * 31) % 50 + 1 end,
        jsonb_build_object('colour', colour, 'size', to_jsonb(sizes), 'material', material),
        case when n % 4 = 0 then jsonb_build_array(jsonb_build_object('name', 'size', 'values', to_jsonb(sizes))) else '[]'::jsonb end,
        now() - make_interval(secs => n), now() - make_interval(secs => n)
      from (
        select n,
          (${textArray(ADJECTIVES)})[1 + n % ${ADJECTIVES.length}] || ' ' || (${textArray(NOUNS)})[1 + (n / ${ADJECTIVES.length}) % ${NOUNS.length}] || ' ' || n as name,
          (${textArray(SEED_COLOURS)})[1 + (n + n / 40) % ${SEED_COLOURS.length}] as colour,
          (${textArray(SEED_SIZES)})[1 + n % 5 : 1 + n % 5 + n % 3] as sizes,
          (${textArray(SEED_MATERIALS)})[1 + (n / 3) % ${SEED_MATERIALS.length}] as material,
          (((n::bigint * 7919) % 1499) * 100 + 99) as price
        from generate_series(${o.from}::int, ${o.to}::int) as n
      ) s
      returning id)
    select min(id)::bigint as first, max(id)::bigint as last from inserted`.execute(db)
  const range = ids.rows[0] as { first: number; last: number }
  const n = sql`substr(p.sku, ${o.skuPrefix.length + 1})::int`
  const inRange = sql`p.id between ${range.first} and ${range.last}`
  await sql`insert into product_category_links (product_id, category_id)
    select p.id, (${o.leafIds}::bigint[])[1 + ${n} % ${o.leafIds.length}] from products p where ${inRange}
    union
    select p.id, (${o.leafIds}::bigint[])[1 + (${n} * 13) % ${o.leafIds.length}] from products p where ${inRange} and ${n} % 7 = 0`.execute(
    db,
  )
  await sql`insert into product_variants (product_id, sku, price_minor, stock, option_values, position)
    select p.id, p.sku || '-' || s.size, p.price_minor + (s.ord - 1) * 100, (${n} + s.ord::int) % 9, jsonb_build_object('size', s.size), s.ord - 1
    from products p cross join lateral jsonb_array_elements_text(p.attributes -> 'size') with ordinality as s(size, ord)
    where ${inRange} and jsonb_array_length(p.options) > 0`.execute(db)
  if (o.mediaIds.length > 0)
    await sql`insert into product_images (product_id, position, media_id, alt)
      select p.id, 0, (${o.mediaIds}::bigint[])[1 + ${n} % ${o.mediaIds.length}], p.name from products p where ${inRange}`.execute(db)
  return range
}

/**
 * Fresh planner statistics and visibility maps after a bulk load: the plans of
 * the list queries depend on them (index-only scans of product_facets need the
 * visibility map). Outside a transaction (VACUUM cannot run in one).
 */
export const analyzeCatalog = (db: Db) =>
  sql`vacuum (analyze) products, product_facets, product_category_links, product_categories, product_variants, product_images`.execute(db)

/** Up to `limit` pictures of the media library (images with a size), oldest first: the demo products' images. */
export const pictureIds = (db: Db, limit: number) =>
  sql<{ id: number }>`select id from media where width is not null and mime_type like 'image/%' order by id limit ${limit}`
    .execute(db)
    .then((r) => r.rows.map((row) => row.id))
