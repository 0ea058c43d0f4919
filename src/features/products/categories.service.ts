import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { conflict, conflictOnUnique, invalid, notFound } from '#core/http/errors.ts'
import type { Cursor } from '#core/http/pagination.ts'
import { slugOrRandom } from '../content/markdown.ts'
import {
  type CategoryRow,
  countCategories,
  deleteCategoryRow,
  findCategory,
  hasChildCategories,
  insertCategory,
  isInSubtree,
  listCategories,
  listCategoryTree,
  lockCategory,
  productIdsUnder,
  syncFacetsOfIds,
  updateCategory,
} from './products.queries.ts'
import type { CategoryCreate, CategoryPatch } from './products.schemas.ts'

/** Product categories: a tree (a category has at most one parent). Anyone reads them; editors and admins write (the routes check). */
/** A page of categories, and with `withTotal` how many there are (or have the slug asked for), counted at the same time. */
export async function listCategoryPage(db: Db, page: { after: Cursor | undefined; limit: number; slug?: string; withTotal?: boolean }) {
  const [rows, total] = await Promise.all([listCategories(db, page), page.withTotal ? countCategories(db, page.slug) : undefined])
  return { rows, total }
}

/** The whole tree, for menus and the public pages (small: read at once). */
export const getCategoryTree = (db: Db) => listCategoryTree(db)

export async function getCategory(db: Db, by: { id: number } | { slug: string }): Promise<CategoryRow> {
  const row = await findCategory(db, by)
  if (!row) throw notFound('product category', 'id' in by ? by.id : by.slug)
  return row
}

async function checkParent(db: Db, parentId: number | null, self?: number) {
  if (parentId === null) return
  if (!(await findCategory(db, { id: parentId })))
    throw invalid([{ field: 'parent_id', in: 'body', message: `is not a product category: ${parentId}` }])
  if (self !== undefined && (await isInSubtree(db, self, parentId)))
    throw invalid([{ field: 'parent_id', in: 'body', message: 'is this category or one below it (the tree would have a cycle)' }])
}

export function createCategory(db: Db, input: CategoryCreate): Promise<CategoryRow> {
  return conflictOnUnique('slug', 'Another product category has this slug.', () =>
    db.transaction().execute(async (trx) => {
      await checkParent(trx, input.parent_id ?? null)
      const row = await insertCategory(trx, {
        name: input.name,
        slug: input.slug ?? slugOrRandom(input.name, 100),
        description: input.description ?? '',
        parent_id: input.parent_id ?? null,
        position: input.position ?? 0,
      })
      await recordChanges(trx, [tags.productCategory(row.id), tags.list('product-categories')])
      return row
    }),
  )
}

/**
 * Changes a category. A new parent moves the category with everything below
 * it: the facet rows of the products there are rewritten in the same
 * transaction (their ancestors changed), and the product list changes.
 */
export function updateCategoryById(db: Db, id: number, input: CategoryPatch): Promise<CategoryRow> {
  return conflictOnUnique('slug', 'Another product category has this slug.', () =>
    db.transaction().execute(async (trx) => {
      const before = await lockCategory(trx, id)
      if (!before) throw notFound('product category', id)
      const parentId = input.parent_id !== undefined ? input.parent_id : before.parent_id
      const moved = parentId !== before.parent_id
      if (moved) await checkParent(trx, parentId, id)
      const row = (await updateCategory(trx, id, {
        name: input.name ?? before.name,
        slug: input.slug ?? before.slug,
        description: input.description ?? before.description,
        parent_id: parentId,
        position: input.position ?? before.position,
      })) as CategoryRow
      if (moved) await syncFacetsOfIds(trx, await productIdsUnder(trx, id))
      await recordChanges(trx, [tags.productCategory(id), tags.list('product-categories'), ...(moved ? [tags.list('products')] : [])])
      return row
    }),
  )
}

/** Deletes a category without sub-categories (409 otherwise); its products leave it (their facets are rewritten). */
export function deleteCategory(db: Db, id: number): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const row = await lockCategory(trx, id)
    if (!row) throw notFound('product category', id)
    if (await hasChildCategories(trx, id)) throw conflict('Move or delete its sub-categories first.', 'id')
    const affected = await productIdsUnder(trx, id)
    await deleteCategoryRow(trx, id)
    if (affected.length > 0) await syncFacetsOfIds(trx, affected)
    await recordChanges(trx, [
      tags.productCategory(id),
      tags.list('product-categories'),
      ...(affected.length > 0 ? [tags.list('products')] : []),
    ])
  })
}
