import { type ChangeTag, tags } from '#core/changes/changes.ts'
import { mediaUrl } from '../media/media.service.ts'
import { jsonLd, type MetaView, pageMeta, pictureView, type SiteView } from '../site/site.views.ts'
import { decimalAmount, formatMoney } from './money.ts'
import { presentImage, type presentProduct } from './products.present.ts'
import type { ProductDetailRow } from './products.queries.ts'

/**
 * What the product templates receive (themes/README.md): display-ready values —
 * prices written out for the site's currency and language (money.ts), stock as
 * words, image sources with `srcset` (the same picture views as post covers),
 * paths — so templates only place them. The one place product rows become page
 * data.
 */

/** The public path of a product's page and of a category's listing. */
export const productPath = (slug: string) => `/products/${slug}`
export const categoryPath = (slug: string) => `/products/category/${slug}`

/** Below this many in stock, the page says how many are left. */
const FEW_LEFT = 5

export type StockView = { in_stock: boolean; label: string; schema: 'https://schema.org/InStock' | 'https://schema.org/OutOfStock' }

/** A tracked or untracked stock as words: untracked stock is always available. */
export function stockView(stock: number | null): StockView {
  if (stock === 0) return { in_stock: false, label: 'Out of stock', schema: 'https://schema.org/OutOfStock' }
  const label = stock !== null && stock <= FEW_LEFT ? `Only ${stock} left` : 'In stock'
  return { in_stock: true, label, schema: 'https://schema.org/InStock' }
}

/** A product as the list presents it (products.service listProductPage). */
export type ListedProduct = ReturnType<typeof presentProduct>

/** A product as the grid shows it: its first image, name, price (and compare-at price when higher) and stock. */
export function productCardView(product: ListedProduct, language: string, index: number) {
  const first = product.images[0]
  const { price, compare_at_price: compareAt } = product
  return {
    name: product.name,
    path: productPath(product.slug),
    price: formatMoney(price.amount_minor, price.currency, language),
    compare_at_price:
      compareAt !== null && compareAt.amount_minor > price.amount_minor
        ? formatMoney(compareAt.amount_minor, compareAt.currency, language)
        : null,
    stock: stockView(product.stock),
    image: first ? pictureView(first) : null,
    // The first row of cards is likely on screen at load; the rest load lazily.
    lazy: index >= 3,
  }
}

/** An attribute's name as a label: `pack_size` → "Pack size". */
export const attributeLabel = (name: string) => {
  const words = name.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Whether a product with variants is available: when one of its variants is; otherwise its own stock. */
const overallStock = (row: ProductDetailRow): StockView =>
  row.variants.length === 0 ? stockView(row.stock) : row.variants.some((v) => stockView(v.stock).in_stock) ? stockView(null) : stockView(0)

/** A product's own page: gallery, price, variants with their option values, stock, description, attributes, categories. */
export function productView(row: ProductDetailRow, language: string) {
  const money = (amount: number) => formatMoney(amount, row.currency, language)
  const prices = row.variants.map((v) => v.price_minor)
  const low = prices.length > 0 ? Math.min(...prices) : row.price_minor
  const high = prices.length > 0 ? Math.max(...prices) : row.price_minor
  return {
    id: row.id,
    name: row.name,
    sku: row.sku,
    path: productPath(row.slug),
    price: money(row.price_minor),
    price_range: low === high ? null : { low: money(low), high: money(high) },
    compare_at_price:
      row.compare_at_price_minor !== null && row.compare_at_price_minor > row.price_minor ? money(row.compare_at_price_minor) : null,
    stock: overallStock(row),
    images: row.images.map((image) => pictureView(presentImage(image))),
    description_html: row.description_html,
    attributes: Object.entries(row.attributes).map(([name, value]) => ({
      name: attributeLabel(name),
      value: Array.isArray(value) ? value.join(', ') : value,
    })),
    categories: row.categories.map((c) => ({ name: c.name, path: categoryPath(c.slug) })),
    options: row.options.map((o) => ({ name: attributeLabel(o.name), values: o.values.join(', ') })),
    variants: row.variants.map((v) => {
      const stock = stockView(v.stock)
      return {
        id: v.id,
        sku: v.sku,
        label: row.options.map((o) => v.option_values[o.name]).join(' / '),
        price: money(v.price_minor),
        stock,
        disabled: !stock.in_stock,
      }
    }),
  }
}

/** What a product's card or page showed: the product (its variants ride on it), its categories' names and its images. */
export function productTags(product: { id: number; images: { media_id: number }[]; categories?: { id: number }[] }): ChangeTag[] {
  const shown: ChangeTag[] = [tags.product(product.id)]
  for (const category of product.categories ?? []) shown.push(tags.productCategory(category.id))
  for (const image of product.images) shown.push(tags.media(image.media_id))
  return shown
}

/** The description's first paragraph as plain words, for the meta description (at most 200 characters). */
function summary(description: string): string {
  const first = description.split(/\n\s*\n/).find((part) => part.trim() !== '') ?? ''
  const words = first
    .replace(/!?\[([^\]]*)\]\([^)]*\)|[#*_`>[\]]/g, (_match, text) => text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
  return words.length > 200 ? `${words.slice(0, 199)}…` : words
}

/**
 * A product page's meta: the first image as the social image, and a schema.org
 * `Product` whose offer is an `Offer` (no variants) or an `AggregateOffer` with
 * an `Offer` per variant; prices as decimal strings from the integer
 * (money.ts decimalAmount), escaped like every JSON-LD block (site.views jsonLd).
 */
export function productMeta(site: SiteView, publicUrl: string, row: ProductDetailRow): MetaView {
  const path = productPath(row.slug)
  const url = `${publicUrl}${path}`
  const description = summary(row.description) || site.description
  const first = row.images[0]
  const image = first ? { url: `${publicUrl}${mediaUrl(first)}`, width: first.width, height: first.height, alt: first.alt } : null
  const offer = (sku: string, amount: number, stock: number | null) => ({
    '@type': 'Offer',
    sku,
    price: decimalAmount(amount, row.currency),
    priceCurrency: row.currency,
    availability: stockView(stock).schema,
    url,
  })
  const prices = row.variants.map((v) => v.price_minor)
  const offers =
    row.variants.length === 0
      ? offer(row.sku, row.price_minor, row.stock)
      : {
          '@type': 'AggregateOffer',
          priceCurrency: row.currency,
          lowPrice: decimalAmount(Math.min(...prices), row.currency),
          highPrice: decimalAmount(Math.max(...prices), row.currency),
          offerCount: row.variants.length,
          availability: overallStock(row).schema,
          offers: row.variants.map((v) => offer(v.sku, v.price_minor, v.stock)),
        }
  return {
    ...pageMeta(site, publicUrl, { title: row.name, description, path }),
    image,
    json_ld: jsonLd({
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: row.name,
      sku: row.sku,
      url,
      ...(description ? { description } : {}),
      ...(row.images.length > 0 ? { image: row.images.map((i) => `${publicUrl}${mediaUrl(i)}`) } : {}),
      ...(row.categories.length > 0 ? { category: row.categories.map((c) => c.name).join(', ') } : {}),
      offers,
    }),
  }
}
