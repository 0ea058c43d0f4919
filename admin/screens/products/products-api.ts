// The shop screens' calls (issue 13, "Products"), and the site's currency (money.ts turns
// typed prices into integer minor units).
import type { paths } from '../../../clients/typescript/index.ts'
import { api, type FormProblem, load } from '../../api.ts'
import { type Money, moneyOf } from './money.ts'

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

/** The orders GET /api/v1/products offers (relevance needs a search). */
export const SORTS = {
  '-created_at': 'Newest first',
  name: 'Name, A to Z',
  price: 'Price, low to high',
  '-price': 'Price, high to low',
} as const
export type ProductSort = keyof typeof SORTS

export type ProductQuery = {
  sort?: ProductSort
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
