// The product editor's form state and how it becomes an API body: prices typed in major
// units become integer minor units (parseMoney, no float), lists typed as comma-separated
// text become arrays, and each mistake found here carries the API's own field name
// (`variants.1.price_minor`), so it shows next to its field exactly as the API's would.
import { minorToText, parseMoney } from './money.ts'
import type { Product, ProductCreate, ProductStatus } from './products-api.ts'

let nextKey = 1
/** A stable key for a row of a list in the form (rows move and go; their index is no identity). */
export const rowKey = () => nextKey++

export type ImageRow = { key: number; media_id: number; url: string; alt: string }
export type AttributeRow = { key: number; name: string; value: string }
export type OptionRow = { key: number; name: string; values: string }
export type VariantRow = { key: number; sku: string; price: string; tracked: boolean; stock: string; option_values: Record<string, string> }

export type ProductForm = {
  name: string
  slug: string
  sku: string
  status: ProductStatus
  description: string
  price: string
  compare: string
  tracked: boolean
  stock: string
  category_ids: number[]
  images: ImageRow[]
  attributes: AttributeRow[]
  options: OptionRow[]
  variants: VariantRow[]
}

export const EMPTY_FORM: ProductForm = {
  name: '',
  slug: '',
  sku: '',
  status: 'draft',
  description: '',
  price: '',
  compare: '',
  tracked: false,
  stock: '',
  category_ids: [],
  images: [],
  attributes: [],
  options: [],
  variants: [],
}

export function formOf(product: Product, digits: number): ProductForm {
  return {
    name: product.name,
    slug: product.slug,
    sku: product.sku,
    status: product.status,
    description: product.description ?? '',
    price: minorToText(product.price.amount_minor, digits),
    compare: product.compare_at_price ? minorToText(product.compare_at_price.amount_minor, digits) : '',
    tracked: product.stock !== null,
    stock: product.stock === null ? '' : String(product.stock),
    category_ids: (product.categories ?? []).map((category) => category.id),
    images: product.images.map((image) => ({ key: rowKey(), media_id: image.media_id, url: image.url, alt: image.alt })),
    attributes: Object.entries(product.attributes).map(([name, value]) => ({
      key: rowKey(),
      name,
      value: Array.isArray(value) ? value.join(', ') : value,
    })),
    options: product.options.map((option) => ({ key: rowKey(), name: option.name, values: option.values.join(', ') })),
    variants: (product.variants ?? []).map((variant) => ({
      key: rowKey(),
      sku: variant.sku,
      price: minorToText(variant.price.amount_minor, digits),
      tracked: variant.stock !== null,
      stock: variant.stock === null ? '' : String(variant.stock),
      option_values: { ...variant.option_values },
    })),
  }
}

/** Comma-separated text → the distinct non-empty items, in order. */
export const listOf = (text: string) => [...new Set(text.split(',').map((item) => item.trim()))].filter(Boolean)

const NAME = /^[a-z][a-z0-9_]{0,39}$/
const NAME_RULE = 'Use lower-case letters, digits and _, starting with a letter (like size or pattern_2).'
// products.schemas.ts ATTRIBUTE_VALUE: what reads the same in a URL filter, a form and a facet.
const VALUE = /^[\p{L}\p{N}][\p{L}\p{N} ._/+&%#()-]{0,99}$/u
const VALUE_RULE = 'Each value starts with a letter or digit and has no quotes, ;, =, <, > or backslash (commas separate values).'

export type Body = Required<Omit<ProductCreate, 'slug'>> & { slug?: string }

/** The whole form as a create body, or the mistakes found by field name (nothing is sent then). */
export function bodyOf(form: ProductForm, digits: number): { body: Body; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const money = (field: string, text: string, required: boolean): number | null => {
    if (!text.trim()) {
      if (required) errors[field] = 'Give a price.'
      return null
    }
    const parsed = parseMoney(text, digits)
    if ('error' in parsed) {
      errors[field] = parsed.error
      return null
    }
    return parsed.minor
  }
  const stock = (field: string, tracked: boolean, text: string): number | null => {
    if (!tracked) return null
    if (!/^\s*\d{1,10}\s*$/.test(text) || Number(text) > 2_147_483_647) {
      errors[field] = 'Give a whole number of items, 0 or more.'
      return null
    }
    return Number(text)
  }
  const attributes: Record<string, string | string[]> = {}
  for (const [i, row] of form.attributes.entries()) {
    const name = row.name.trim()
    if (!name) continue
    // The API's pattern (products.schemas.ts ATTRIBUTE_NAME), said in words before sending.
    if (!NAME.test(name)) errors[`attribute-${i}-name`] = NAME_RULE
    else if (name in attributes) errors[`attribute-${i}-name`] = 'Another attribute has this name.'
    else if (!listOf(row.value).every((value) => VALUE.test(value))) errors[`attributes.${name}`] = VALUE_RULE
    const values = listOf(row.value)
    attributes[name] = values.length === 1 ? (values[0] ?? '') : values
  }
  const body: Body = {
    name: form.name,
    sku: form.sku.trim(),
    status: form.status,
    description: form.description,
    price_minor: money('price_minor', form.price, true) ?? 0,
    compare_at_price_minor: money('compare_at_price_minor', form.compare, false),
    stock: stock('stock', form.tracked, form.stock),
    category_ids: form.category_ids,
    images: form.images.map((image) => ({ media_id: image.media_id, alt: image.alt })),
    attributes,
    options: form.options.flatMap((row, i) => {
      const name = row.name.trim()
      if (!name) return []
      if (!NAME.test(name)) errors[`options.${i}.name`] = NAME_RULE
      return [{ name, values: listOf(row.values) }]
    }),
    variants: form.variants.map((row, i) => ({
      sku: row.sku.trim(),
      price_minor: money(`variants.${i}.price_minor`, row.price, true) ?? 0,
      stock: stock(`variants.${i}.stock`, row.tracked, row.stock),
      option_values: Object.fromEntries(Object.entries(row.option_values).filter(([, value]) => value)),
    })),
  }
  if (form.slug.trim()) body.slug = form.slug.trim()
  return { body, errors }
}

/** What changed between two bodies, as a PATCH (options go with variants: the API checks one against the other). */
export function changesOf(saved: Body, now: Body): Partial<Body> {
  const changes: Record<string, unknown> = {}
  for (const key of Object.keys(now) as (keyof Body)[]) {
    if (JSON.stringify(now[key]) !== JSON.stringify(saved[key])) changes[key] = now[key]
  }
  if ('variants' in changes || 'options' in changes) {
    changes.variants = now.variants
    changes.options = now.options
  }
  return changes as Partial<Body>
}

/** Every combination of the options' values (size × colour …), for "Generate variants". */
export function combinations(options: { name: string; values: string[] }[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}]
  for (const option of options) {
    if (option.values.length === 0) continue
    out = out.flatMap((combo) => option.values.map((value) => ({ ...combo, [option.name]: value })))
  }
  return options.some((option) => option.values.length > 0) ? out : []
}

/** A SKU for a generated variant: the product's SKU and the values, in the characters a SKU may have. */
export const variantSku = (sku: string, values: string[]) =>
  [sku || 'SKU', ...values]
    .map((part) => part.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter(Boolean)
    .join('-')
    .slice(0, 64)
