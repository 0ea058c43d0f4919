import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { sendWithEtag } from '#core/http/etag.ts'
import { decodeCursor, toPage } from '#core/http/pagination.ts'
import { type AppInstance, IdParams, Page, problems } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import { requireRole } from '../users/roles.ts'
import { createCategory, deleteCategory, getCategory, listCategoryPage, updateCategoryById } from './categories.service.ts'
import { presentCategory, presentProduct } from './products.present.ts'
import { CATEGORY_SORT } from './products.queries.ts'
import {
  Category,
  CategoryCreate,
  CategoryListQuery,
  CategoryPatch,
  Product,
  ProductCreate,
  ProductListQuery,
  ProductPage,
  ProductPatch,
  StockBody,
  StockResult,
} from './products.schemas.ts'
import { changeStock, createProduct, deleteProduct, getProduct, listProductPage, updateProductById } from './products.service.ts'

const user = (request: FastifyRequest) => request.actor?.user
const products = ['products']
const categories = ['product-categories']
const NoContent = Type.Null({ description: 'Deleted' })

/** The product catalog's API (issue 11, item 2): products and product categories under /api/v1. */
export function productRoutes(app: AppInstance, deps: Pick<Deps, 'db' | 'paths'>) {
  const { db } = deps
  // The public pages (/products, /products/{slug}) are the site's; the segment is reserved here, with the API.
  deps.paths.reserve('products', ['products'])

  app.get(
    '/api/v1/products',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'listProducts',
        tags: products,
        summary: 'List products, filtered and sorted, with facet counts on request',
        description:
          'Anonymous callers and members see active products only. Filters: `category` (a slug; includes sub-categories), ' +
          '`price_min`/`price_max` (integer minor units), `in_stock`, `q` (full text), `attr.<name>=<value>` (several values ' +
          'comma-separated or repeated are OR, different attributes AND). `facets=category,price,<attribute>,…` counts each ' +
          'facet over the filtered set without its own filter. `?slug=` returns the one product with that slug, in full. ' +
          '`include_total=true` adds the count of the filtered list.',
        querystring: ProductListQuery,
        response: { 200: ProductPage },
      },
    },
    async (request) => listProductPage(db, user(request), request.query),
  )

  app.get(
    '/api/v1/products/:id',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'getProduct',
        tags: products,
        summary: 'One product with its categories, images and variants (ETag; If-None-Match → 304)',
        params: IdParams,
        response: { 200: Product, ...problems('not_found') },
      },
    },
    async (request, reply) => sendWithEtag(request, reply, presentProduct(await getProduct(db, user(request), { id: request.params.id }))),
  )

  app.post(
    '/api/v1/products',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'createProduct',
        tags: products,
        summary: 'Create a product (a draft unless status is given)',
        body: ProductCreate,
        response: { 201: Product, ...problems('conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(presentProduct(await createProduct(db, request.body))),
  )

  app.patch(
    '/api/v1/products/:id',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'updateProduct',
        tags: products,
        summary: 'Change a product; lists sent (categories, images, variants) replace the old ones',
        params: IdParams,
        body: ProductPatch,
        response: { 200: Product, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => presentProduct(await updateProductById(db, request.params.id, request.body)),
  )

  app.delete(
    '/api/v1/products/:id',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'deleteProduct',
        tags: products,
        summary: 'Delete a product with its variants and images (the media items stay)',
        params: IdParams,
        response: { 204: NoContent, ...problems('not_found') },
      },
    },
    async (request, reply) => {
      await deleteProduct(db, request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/v1/products/:id/stock',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'changeProductStock',
        tags: products,
        summary: 'Add to or take from a tracked stock atomically; 409 when it would go below zero',
        description: 'One conditional UPDATE: concurrent requests never oversell. `variant_id` changes that variant’s stock instead.',
        params: IdParams,
        body: StockBody,
        response: { 200: StockResult, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => changeStock(db, request.params.id, request.body.delta, request.body.variant_id),
  )

  app.get(
    '/api/v1/product-categories',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'listProductCategories',
        tags: categories,
        summary: 'List product categories (by id; parent_id gives the tree); ?slug= finds one',
        description: '`include_total=true` adds the count.',
        querystring: CategoryListQuery,
        response: { 200: Page(Category) },
      },
    },
    async (request) => {
      const q = request.query
      const { rows, total } = await listCategoryPage(db, {
        after: decodeCursor(CATEGORY_SORT, q.cursor),
        limit: q.limit,
        slug: q.slug,
        withTotal: q.include_total,
      })
      return toPage(rows, q.limit, presentCategory, CATEGORY_SORT, total)
    },
  )

  app.get(
    '/api/v1/product-categories/:id',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'getProductCategory',
        tags: categories,
        summary: 'One product category',
        params: IdParams,
        response: { 200: Category, ...problems('not_found') },
      },
    },
    async (request) => presentCategory(await getCategory(db, { id: request.params.id })),
  )

  app.post(
    '/api/v1/product-categories',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'createProductCategory',
        tags: categories,
        summary: 'Create a product category, under a parent or at the top',
        body: CategoryCreate,
        response: { 201: Category, ...problems('conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(presentCategory(await createCategory(db, request.body))),
  )

  app.patch(
    '/api/v1/product-categories/:id',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'updateProductCategory',
        tags: categories,
        summary: 'Change or move a product category (a move takes its sub-categories along)',
        params: IdParams,
        body: CategoryPatch,
        response: { 200: Category, ...problems('not_found', 'conflict') },
      },
    },
    async (request) => presentCategory(await updateCategoryById(db, request.params.id, request.body)),
  )

  app.delete(
    '/api/v1/product-categories/:id',
    {
      onRequest: requireRole('editor'),
      schema: {
        operationId: 'deleteProductCategory',
        tags: categories,
        summary: 'Delete a product category without sub-categories (its products leave it)',
        params: IdParams,
        response: { 204: NoContent, ...problems('not_found', 'conflict') },
      },
    },
    async (request, reply) => {
      await deleteCategory(db, request.params.id)
      return reply.code(204).send(null)
    },
  )
}
