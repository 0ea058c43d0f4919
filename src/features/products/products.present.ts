import { mediaUrl, srcsetOf } from '../media/media.service.ts'
import {
  CATEGORY_FACET,
  type CategoryRow,
  type FacetCount,
  type ImageRow,
  PRICE_EDGES,
  PRICE_FACET,
  type ProductDetailRow,
  type ProductRow,
} from './products.queries.ts'

/**
 * The one place a product row becomes API output (STYLE §8), render-ready:
 * prices as integer minor units with the currency code (formatting is the
 * reader's: Intl.NumberFormat with the site's language), images with URL, alt,
 * size and `srcset` sources as media.present.ts gives them, `in_stock` decided
 * once (untracked stock is always in stock).
 */
const price = (amount: number, currency: string) => ({ amount_minor: amount, currency })

export const presentImage = (image: ImageRow) => ({
  media_id: image.media_id,
  url: mediaUrl({ sha256: image.sha256, extension: image.extension }),
  alt: image.alt,
  width: image.width,
  height: image.height,
  srcset: srcsetOf(image.variants),
})

const inStock = (stock: number | null) => stock === null || stock > 0

/** A product: list rows carry their first image only; a get (ProductDetailRow) also the description, categories and variants. */
export function presentProduct(row: ProductRow | ProductDetailRow) {
  const detail = 'variants' in row ? row : undefined
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    slug: row.slug,
    status: row.status,
    price: price(row.price_minor, row.currency),
    compare_at_price: row.compare_at_price_minor === null ? null : price(row.compare_at_price_minor, row.currency),
    stock: row.stock,
    in_stock: inStock(row.stock),
    attributes: row.attributes,
    options: row.options,
    images: row.images.map(presentImage),
    ...(detail
      ? {
          description: detail.description,
          description_html: detail.description_html,
          categories: detail.categories.map((c) => ({ id: c.id, slug: c.slug, name: c.name })),
          variants: detail.variants.map((v) => ({
            id: v.id,
            sku: v.sku,
            price: price(v.price_minor, row.currency),
            stock: v.stock,
            in_stock: inStock(v.stock),
            option_values: v.option_values,
          })),
        }
      : {}),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}

type TreeNode = Pick<CategoryRow, 'id' | 'parent_id' | 'slug' | 'name' | 'position'>

/**
 * Facet counts as the API sends them: `category` in tree order (each count
 * includes sub-categories; categories with no product left out), `price` as
 * every bucket [min, max) including empty ones (a form shows them all), and
 * each attribute's values by count.
 */
export function presentFacets(byName: Map<string, FacetCount[]>, tree: TreeNode[]) {
  const out: {
    category?: { id: number; slug: string; name: string; parent_id: number | null; count: number }[]
    price?: { min_minor: number; max_minor: number | null; count: number }[]
    attributes?: Record<string, FacetCount[]>
  } = {}
  for (const [name, counts] of byName) {
    if (name === 'category' || name === CATEGORY_FACET) {
      const byId = new Map(counts.map((c) => [Number(c.value), c.count]))
      out.category = tree
        .filter((node) => byId.has(node.id))
        .map((node) => ({ id: node.id, slug: node.slug, name: node.name, parent_id: node.parent_id, count: byId.get(node.id) as number }))
    } else if (name === 'price' || name === PRICE_FACET) {
      const byEdge = new Map(counts.map((c) => [Number(c.value), c.count]))
      out.price = PRICE_EDGES.map((min, i) => ({ min_minor: min, max_minor: PRICE_EDGES[i + 1] ?? null, count: byEdge.get(min) ?? 0 }))
    } else {
      out.attributes = { ...out.attributes, [name]: counts }
    }
  }
  return out
}

export const presentCategory = (row: CategoryRow) => ({
  id: row.id,
  parent_id: row.parent_id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  position: row.position,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
})
