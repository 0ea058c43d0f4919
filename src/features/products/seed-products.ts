import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { insertFacetsOfRange } from './products.queries.ts'
import { analyzeCatalog, ensureSeedCategories, insertSeedProducts, lastSeedNumber, pictureIds } from './seed.queries.ts'

export const SEED_TOPS = ['Women', 'Men', 'Kids', 'Home', 'Outdoor', 'Accessories', 'Footwear', 'Sale']
export const SEED_CHILDREN = ['Tops', 'Bottoms', 'Outerwear', 'Basics', 'New in']

export type SeedProductsOptions = {
  count: number
  /** Products per transaction (and per progress line). */
  batch?: number
  log?: (line: string) => void
  /** SKUs are `${skuPrefix}${n}`, slugs `${slugPrefix}${n}`; categories `${categoryPrefix}-…`. */
  skuPrefix?: string
  slugPrefix?: string
  categoryPrefix?: string
  /** Media items to show as the products' images, in turn (the demo's pictures). */
  mediaIds?: number[]
}

/**
 * Adds `count` products to the catalog (`plinth seed products --count N`, the
 * demo, the plan test, the benchmark) in batches: per batch, in one
 * transaction, a few set-based statements (seed.queries.ts) and the facet rows
 * of the whole batch in one more; then fresh planner statistics. A second run
 * adds more after the last seed number. Returns how many and how long.
 */
export async function seedProducts(db: Db, options: SeedProductsOptions) {
  const started = performance.now()
  const batch = options.batch ?? 10_000
  const skuPrefix = options.skuPrefix ?? 'SEED-'
  const slugPrefix = options.slugPrefix ?? 'seed-product-'
  const leafIds = await ensureSeedCategories(db, options.categoryPrefix ?? 'seed', SEED_TOPS, SEED_CHILDREN)
  const start = (await lastSeedNumber(db, skuPrefix)) + 1
  const end = start + options.count - 1
  for (let from = start; from <= end; from += batch) {
    const to = Math.min(end, from + batch - 1)
    await db.transaction().execute(async (trx) => {
      const range = await insertSeedProducts(trx, { from, to, skuPrefix, slugPrefix, leafIds, mediaIds: options.mediaIds ?? [] })
      await insertFacetsOfRange(trx, range.first, range.last)
      await recordChanges(trx, [tags.list('products'), tags.list('product-categories')])
    })
    options.log?.(`products: ${to - start + 1} of ${options.count} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  }
  await analyzeCatalog(db)
  return { count: options.count, categories: leafIds.length, seconds: (performance.now() - started) / 1000 }
}

/** How many products the demo's shop has (`plinth seed demo`). */
export const DEMO_PRODUCTS = 240

/**
 * The demo site's shop: DEMO_PRODUCTS products in the seed's category tree
 * (slugs shop-…), with attributes, variants and the demo's pictures as images.
 */
export async function seedDemoProducts(db: Db, log?: (line: string) => void) {
  const mediaIds = await pictureIds(db, 50)
  return seedProducts(db, { count: DEMO_PRODUCTS, skuPrefix: 'DEMO-', slugPrefix: 'demo-product-', categoryPrefix: 'shop', mediaIds, log })
}
