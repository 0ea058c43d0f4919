// The shop screens' calls and money helpers (issue 13, "Products"). Prices travel as integer
// minor units of the site's one currency (decision 0020); the forms type them in major units
// ("12.50"), turned into minor units here from the digits of the text, never through a float.
import type { paths } from '../../../clients/typescript/index.ts'
import { api, type FormProblem, load } from '../../api.ts'

// The product schemas are not named in the OpenAPI document: their types come from the operations.
type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never
export type Product = Json<paths['/api/v1/products/{id}']['get']['responses'][200]>
export type Category = Json<paths['/api/v1/product-categories/{id}']['get']['responses'][200]>
export type ProductStatus = Product['status']
export type ProductCreate = Json<paths['/api/v1/products']['post']['requestBody']>
export type ProductPatch = Json<paths['/api/v1/products/{id}']['patch']['requestBody']>
type CategoryCreate = Json<paths['/api/v1/product-categories']['post']['requestBody']>
type CategoryPatch = Json<paths['/api/v1/product-categories/{id}']['patch']['requestBody']>

export const STATUS_LABELS: Record<ProductStatus, string> = { draft: 'Draft', active: 'Active', archived: 'Archived' }
export const STATUSES = Object.keys(STATUS_LABELS) as ProductStatus[]

export type ProductQuery = {
  q?: string
  status?: ProductStatus
  category?: string
  in_stock?: boolean
  price_min?: number
  price_max?: number
}

export const listProducts = (query: ProductQuery, cursor: string | undefined) =>
  load(api.GET('/api/v1/products', { params: { query: { ...query, limit: 20, ...(cursor ? { cursor } : {}) } } }))
export const getProduct = (id: number) => load(api.GET('/api/v1/products/{id}', { params: { path: { id } } }))
export const createProduct = (body: ProductCreate) => load(api.POST('/api/v1/products', { body }))
export const updateProduct = (id: number, body: ProductPatch) =>
  load(api.PATCH('/api/v1/products/{id}', { params: { path: { id } }, body }))
/** Adds `delta` (negative: takes) to a tracked stock in one conditional update: never below zero, whatever else changes it meanwhile. */
export const adjustStock = (id: number, delta: number) =>
  load(api.POST('/api/v1/products/{id}/stock', { params: { path: { id } }, body: { delta } }))
export const deleteProduct = (id: number) => load(api.DELETE('/api/v1/products/{id}', { params: { path: { id } } }))

export const createCategory = (body: CategoryCreate) => load(api.POST('/api/v1/product-categories', { body }))
export const updateCategory = (id: number, body: CategoryPatch) =>
  load(api.PATCH('/api/v1/product-categories/{id}', { params: { path: { id } }, body }))
export const deleteCategory = (id: number) => load(api.DELETE('/api/v1/product-categories/{id}', { params: { path: { id } } }))

/** A category with its depth in the tree, in tree order (each parent before its children, siblings by position then name). */
export type TreeCategory = Category & { depth: number }

/**
 * Every product category (the API's pages of 100 followed to the end), in tree
 * order. A shop has tens of categories, not thousands: the tree needs them all
 * to place each one, so it is not shown a page at a time.
 */
export async function loadCategoryTree(): Promise<TreeCategory[]> {
  const all: Category[] = []
  let cursor: string | undefined
  do {
    const page = await load(api.GET('/api/v1/product-categories', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))
    all.push(...page.data)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return treeOrder(all)
}

export function treeOrder(categories: Category[]): TreeCategory[] {
  const children = new Map<number | null, Category[]>()
  const ids = new Set(categories.map((category) => category.id))
  for (const category of categories) {
    // A parent outside the list (should not happen) puts the category at the top rather than losing it.
    const parent = category.parent_id !== null && ids.has(category.parent_id) ? category.parent_id : null
    children.set(parent, [...(children.get(parent) ?? []), category])
  }
  const out: TreeCategory[] = []
  const walk = (parent: number | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
    for (const category of list) {
      out.push({ ...category, depth })
      walk(category.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

/** The ids of a category and every category below it (a category cannot move under those). */
export function subtreeIds(tree: TreeCategory[], id: number): Set<number> {
  const ids = new Set([id])
  for (const category of tree) if (category.parent_id !== null && ids.has(category.parent_id)) ids.add(category.id)
  return ids
}

// --- the site's currency ----------------------------------------------------

export type Money = { currency: string; language: string; digits: number; format: (minor: number) => string }

let site: Promise<Money> | undefined

/** The site's currency and language (GET /api/v1/site), read once per load of the admin. */
export function siteMoney(): Promise<Money> {
  site ??= load(api.GET('/api/v1/site')).then(
    (info) => moneyOf(info.currency, info.language),
    (problem: FormProblem) => {
      site = undefined
      throw problem
    },
  )
  return site
}

export function moneyOf(currency: string, language: string): Money {
  let format: Intl.NumberFormat
  try {
    format = new Intl.NumberFormat(language, { style: 'currency', currency })
  } catch {
    format = new Intl.NumberFormat('en', { style: 'currency', currency })
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  // The one division: exact for amounts up to 10^12 (the API's maximum), and Intl rounds to these same digits.
  return { currency, language, digits, format: (minor) => format.format(minor / 10 ** digits) }
}

/** The API's largest amount (products.schemas.ts Money). */
const MAX_MINOR = 1_000_000_000_000

/**
 * Major units typed by a person ("12.50", "12,5", "1 234.50", "12") → integer minor
 * units, from the digits alone: the whole part and the fraction padded to the
 * currency's `digits` are joined as one string of digits. An error message when the
 * text is not an amount of this currency (letters, a sign, more decimals than it has).
 */
export function parseMoney(text: string, digits: number): { minor: number } | { error: string } {
  const cleaned = text.trim().replace(/[\s\u00a0\u202f']/g, '')
  const example = digits === 0 ? '1250' : `12.${'5'.padEnd(digits, '0')}`
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(cleaned)
  if (!match) return { error: `Write an amount like ${example}.` }
  const whole = match[1] ?? '0'
  const fraction = match[2] ?? ''
  if (fraction.length > digits) {
    return { error: digits === 0 ? `This currency has no decimals: write ${example}.` : `At most ${digits} decimals: write ${example}.` }
  }
  const digitsText = `${whole}${fraction.padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '')
  if (digitsText.length > 13) return { error: 'This amount is too large.' }
  const minor = Number(digitsText)
  if (minor > MAX_MINOR) return { error: 'This amount is too large.' }
  return { minor }
}

/** Integer minor units → the plain text a price field shows ("12.50"), from the digits (no float). */
export function minorToText(minor: number, digits: number): string {
  const text = String(minor).padStart(digits + 1, '0')
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
}
