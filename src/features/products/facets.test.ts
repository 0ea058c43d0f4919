import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { PRICE_EDGES } from './products.queries.ts'
import { call, type Headers, makeCategory, makeProduct, signedIn, unique } from './products.testing.ts'

/** A small seeded generator (mulberry32): the same random filter combinations on every run and both databases. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Truth = {
  id: number
  status: string
  price: number
  stock: number | null
  attributes: Record<string, string | string[]>
  categories: Set<number>
}

/**
 * Every product of the database, read from the source tables (never from
 * product_facets, which is what is being checked): its categories with all
 * their ancestors worked out here in JavaScript.
 */
async function readTruth(testApp: TestApp): Promise<{ products: Truth[]; parents: Map<number, number | null> }> {
  const db = testApp.database.db
  const cats = (await sql<{ id: number; parent_id: number | null }>`select id, parent_id from product_categories`.execute(db)).rows
  const parents = new Map(cats.map((c) => [c.id, c.parent_id]))
  const links = (
    await sql<{ product_id: number; category_id: number }>`select product_id, category_id from product_category_links`.execute(db)
  ).rows
  const rows = (
    await sql<{ id: number; status: string; price_minor: number; stock: number | null; attributes: Truth['attributes'] }>`
      select id, status, price_minor, stock, attributes from products`.execute(db)
  ).rows
  const categoriesOf = new Map<number, Set<number>>()
  for (const link of links) {
    const set = categoriesOf.get(link.product_id) ?? new Set<number>()
    for (let c: number | null | undefined = link.category_id; c !== null && c !== undefined; c = parents.get(c)) set.add(c)
    categoriesOf.set(link.product_id, set)
  }
  const products = rows.map((r) => ({
    id: r.id,
    status: r.status,
    price: r.price_minor,
    stock: r.stock,
    attributes: r.attributes,
    categories: categoriesOf.get(r.id) ?? new Set<number>(),
  }))
  return { products, parents }
}

type Filter = {
  category?: { id: number; slug: string }
  attrs: Map<string, string[]>
  priceMin?: number
  priceMax?: number
  inStock?: boolean
}

const valuesOf = (p: Truth, name: string) => {
  const v = p.attributes[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** Whether `p` passes `f`, leaving out the filter of facet `without` (category, price or an attribute name). */
function passes(p: Truth, f: Filter, publicOnly: boolean, without?: string) {
  if (publicOnly && p.status !== 'active') return false
  if (without !== 'category' && f.category && !p.categories.has(f.category.id)) return false
  if (without !== 'price' && f.priceMin !== undefined && p.price < f.priceMin) return false
  if (without !== 'price' && f.priceMax !== undefined && p.price > f.priceMax) return false
  if (f.inStock && !(p.stock === null || p.stock > 0)) return false
  for (const [name, wanted] of f.attrs) {
    if (name === without) continue
    if (!valuesOf(p, name).some((v) => wanted.includes(v))) return false
  }
  return true
}

function queryOf(f: Filter, facets: string[]) {
  const params = new URLSearchParams()
  if (f.category) params.set('category', f.category.slug)
  if (f.priceMin !== undefined) params.set('price_min', String(f.priceMin))
  if (f.priceMax !== undefined) params.set('price_max', String(f.priceMax))
  if (f.inStock) params.set('in_stock', 'true')
  for (const [name, values] of f.attrs) params.set(`attr.${name}`, values.join(','))
  params.set('facets', facets.join(','))
  return params
}

describe('product filters and facets against a brute-force count', () => {
  test('random filter combinations give the rows and facet counts a brute-force count gives, for anonymous callers and editors', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const random = rng(20261201)
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T
    // Attribute names of this test only, so that other tests' products never have them.
    const colour = `colour_${unique()}`
    const size = `size_${unique()}`
    const colours = ['red', 'green', 'blue', 'black']
    const sizes = ['S', 'M', 'L', 'XL']
    const tops = [await makeCategory(testApp, editor), await makeCategory(testApp, editor)]
    const subs = [
      await makeCategory(testApp, editor, { parent_id: tops[0]?.id }),
      await makeCategory(testApp, editor, { parent_id: tops[0]?.id }),
      await makeCategory(testApp, editor, { parent_id: tops[1]?.id }),
    ]
    const leaf = await makeCategory(testApp, editor, { parent_id: subs[0]?.id })
    const categories = [...tops, ...subs, leaf]
    for (let i = 0; i < 60; i++) {
      const sizeCount = Math.floor(random() * 3)
      const sizeValues = [...new Set(Array.from({ length: sizeCount }, () => pick(sizes)))]
      await makeProduct(testApp, editor, {
        status: random() < 0.75 ? 'active' : pick(['draft', 'archived']),
        price_minor: Math.floor(random() * 120_000),
        stock: random() < 0.2 ? null : Math.floor(random() * 4),
        attributes: {
          ...(random() < 0.9 ? { [colour]: pick(colours) } : {}),
          ...(sizeValues.length === 1 ? { [size]: sizeValues[0] } : sizeValues.length > 1 ? { [size]: sizeValues } : {}),
        },
        category_ids: random() < 0.85 ? [...new Set([pick(categories).id, ...(random() < 0.3 ? [pick(categories).id] : [])])] : [],
      })
    }
    const viewers: [string, Headers, boolean][] = [
      ['anonymous', {}, true],
      ['editor', editor, false],
    ]
    await checkRounds('created', 24)

    // Every kind of write keeps product_facets and its bitmaps in step: attributes, status, price, categories,
    // stock crossing zero both ways, deletes, and a category moved under another (its products' ancestors change).
    const ids = (await readTruth(testApp)).products.filter((p) => String(p.attributes[colour] ?? p.attributes[size] ?? '') !== '')
    for (const [i, p] of ids.slice(0, 24).entries()) {
      const patch: Record<string, unknown> = [
        { attributes: { [colour]: pick(colours), [size]: [pick(sizes), pick(sizes)].filter((v, j, a) => a.indexOf(v) === j) } },
        { status: pick(['active', 'draft', 'archived']) },
        { price_minor: Math.floor(random() * 120_000) },
        { category_ids: [pick(categories).id] },
        { stock: random() < 0.5 ? 0 : 3 },
      ][i % 5] as Record<string, unknown>
      const response = await call(testApp, 'PATCH', `/api/v1/products/${p.id}`, editor, patch)
      assert.equal(response.statusCode, 200, response.body)
    }
    for (const p of ids.slice(24, 30)) {
      const stock = p.stock ?? 0
      const delta = stock > 0 ? -stock : 2
      if (p.stock === null) continue
      const response = await call(testApp, 'POST', `/api/v1/products/${p.id}/stock`, editor, { delta })
      assert.equal(response.statusCode, 200, response.body)
    }
    for (const p of ids.slice(30, 36)) assert.equal((await call(testApp, 'DELETE', `/api/v1/products/${p.id}`, editor)).statusCode, 204)
    const moved = await call(testApp, 'PATCH', `/api/v1/product-categories/${subs[0]?.id}`, editor, {
      name: 'Moved',
      parent_id: tops[1]?.id,
    })
    assert.equal(moved.statusCode, 200, moved.body)
    await checkRounds('changed', 16)

    async function checkRounds(phase: string, count: number) {
      const { products } = await readTruth(testApp)
      for (let round = 0; round < count; round++) {
        const f: Filter = { attrs: new Map() }
        if (random() < 0.6) f.category = pick(categories)
        if (random() < 0.5) f.attrs.set(colour, [...new Set([pick(colours), ...(random() < 0.4 ? [pick(colours)] : [])])])
        if (random() < 0.4) f.attrs.set(size, [pick(sizes)])
        if (random() < 0.5) {
          // Half on bucket edges (what a price facet link sends: whole buckets), half anywhere (partial buckets).
          if (random() < 0.5) {
            const from = Math.floor(random() * (PRICE_EDGES.length - 1))
            if (random() < 0.8) f.priceMin = PRICE_EDGES[from]
            if (random() < 0.7) f.priceMax = (PRICE_EDGES[from + 1 + Math.floor(random() * (PRICE_EDGES.length - 1 - from))] ?? 200_000) - 1
          } else {
            if (random() < 0.8) f.priceMin = Math.floor(random() * 60_000)
            if (random() < 0.8) f.priceMax = (f.priceMin ?? 0) + Math.floor(random() * 80_000)
          }
        }
        if (random() < 0.3) f.inStock = true
        const sort = pick(['price', '-price', 'name', '-created_at'] as const)
        const [who, headers, publicOnly] = pick(viewers)
        const label = `${phase}, round ${round} (${who}, ${sort}): ${queryOf(f, []).toString()}`
        const expected = products.filter((p) => passes(p, f, publicOnly))

        // Rows: every page, in order, each expected row once.
        const seen: { id: number; price: { amount_minor: number }; name: string; created_at: string }[] = []
        let cursor: string | null = null
        let facets: Record<string, unknown> | undefined
        const totals: number[] = []
        do {
          const params = queryOf(f, ['category', 'price', colour, size])
          params.set('sort', sort)
          params.set('limit', '7')
          params.set('include_total', 'true')
          if (cursor) params.set('cursor', cursor)
          const response = await call(testApp, 'GET', `/api/v1/products?${params}`, headers)
          assert.equal(response.statusCode, 200, `${label}: ${response.body}`)
          const body = response.json()
          seen.push(...body.data)
          totals.push(body.total)
          facets ??= body.facets
          cursor = body.next_cursor
        } while (cursor)
        // include_total: the count of the filtered list, the same on every page.
        assert.deepEqual(new Set(totals), new Set([expected.length]), `${label}: total`)
        assert.deepEqual(
          seen.map((p) => p.id).sort((a, b) => a - b),
          expected.map((p) => p.id).sort((a, b) => a - b),
          label,
        )
        for (let i = 1; i < seen.length; i++) {
          const [a, b] = [seen[i - 1], seen[i]] as [(typeof seen)[0], (typeof seen)[0]]
          if (sort === 'price')
            assert.ok(a.price.amount_minor < b.price.amount_minor || (a.price.amount_minor === b.price.amount_minor && a.id < b.id), label)
          if (sort === '-price')
            assert.ok(a.price.amount_minor > b.price.amount_minor || (a.price.amount_minor === b.price.amount_minor && a.id > b.id), label)
          if (sort === '-created_at') assert.ok(a.created_at >= b.created_at, label)
        }

        // Facets: each counted over the filtered set without its own filter.
        const got = facets as {
          category: { id: number; count: number }[]
          price: { min_minor: number; count: number }[]
          attributes: Record<string, { value: string; count: number }[]>
        }
        const byCategory = new Map<number, number>()
        for (const p of products.filter((p) => passes(p, f, publicOnly, 'category')))
          for (const c of p.categories) byCategory.set(c, (byCategory.get(c) ?? 0) + 1)
        assert.deepEqual(new Map(got.category.map((c) => [c.id, c.count])), byCategory, `${label}: category facet`)
        const byBucket = new Map<number, number>(PRICE_EDGES.map((edge) => [edge, 0]))
        for (const p of products.filter((p) => passes(p, f, publicOnly, 'price'))) {
          const edge = [...PRICE_EDGES].reverse().find((e) => e <= p.price) as number
          byBucket.set(edge, (byBucket.get(edge) ?? 0) + 1)
        }
        assert.deepEqual(new Map(got.price.map((b) => [b.min_minor, b.count])), byBucket, `${label}: price facet`)
        for (const name of [colour, size]) {
          const byValue = new Map<string, number>()
          for (const p of products.filter((p) => passes(p, f, publicOnly, name)))
            for (const v of valuesOf(p, name)) byValue.set(v, (byValue.get(v) ?? 0) + 1)
          assert.deepEqual(new Map((got.attributes[name] ?? []).map((v) => [v.value, v.count])), byValue, `${label}: ${name} facet`)
        }
      }
    }
  })
})

describe('include_total on the product and category lists', () => {
  test('total counts the filtered products on every page, with full text, relevance and slug too, and only when asked', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const word = `lantern${unique()}`
    const category = await makeCategory(testApp, editor)
    const made = []
    for (let i = 0; i < 5; i++)
      made.push(
        await makeProduct(testApp, editor, {
          name: `${word} ${i}`,
          price_minor: 1000 + i * 1500,
          status: i === 4 ? 'draft' : 'active',
          category_ids: i < 3 ? [category.id] : [],
        }),
      )
    const list = async (query: string, headers: Headers = {}) => {
      const response = await call(testApp, 'GET', `/api/v1/products?${query}`, headers)
      assert.equal(response.statusCode, 200, response.body)
      return response.json() as { data: { id: number }[]; next_cursor: string | null; total?: number; facets?: unknown }
    }
    // Without the flag there is no total (a second statement only when asked).
    assert.equal('total' in (await list(`q=${word}`)), false)
    // Anonymous callers count active products only; editors all of them.
    assert.equal((await list(`q=${word}&include_total=true`)).total, 4)
    assert.equal((await list(`q=${word}&include_total=true`, editor)).total, 5)
    assert.equal((await list(`q=${word}&sort=relevance&limit=1&include_total=true`)).total, 4)
    // With a category (the bitmap path) and a price range between bucket edges, on every page of the walk.
    const first = await list(`category=${category.slug}&price_min=1500&limit=1&include_total=true`)
    assert.equal(first.total, 2)
    assert.equal(first.data.length, 1)
    const second = await list(`category=${category.slug}&price_min=1500&limit=1&include_total=true&cursor=${first.next_cursor}`)
    assert.equal(second.total, 2)
    // Beside facets, in the same response shape as the posts list (data, next_cursor, total).
    const faceted = await list(`category=${category.slug}&facets=price&include_total=true`)
    assert.equal(faceted.total, 3)
    assert.deepEqual(Object.keys(faceted).slice(0, 3), ['data', 'next_cursor', 'total'])
    // ?slug= finds one product (or none): total 1 or 0.
    assert.equal((await list(`slug=${made[0]?.slug}&include_total=true`)).total, 1)
    assert.equal((await list(`slug=${made[4]?.slug}&include_total=true`)).total, 0)
    assert.equal((await list(`q=nothing${unique()}&include_total=true`)).total, 0)
    // A bad value is a 400 naming the key.
    const bad = await call(testApp, 'GET', '/api/v1/products?include_total=maybe')
    assert.equal(bad.statusCode, 400, bad.body)
    assert.match(bad.body, /include_total/)
  })

  test('the category list counts all categories, or the one with ?slug=, only when asked', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const one = await makeCategory(testApp, editor)
    await makeCategory(testApp, editor, { parent_id: one.id })
    const all = Number(
      (await sql<{ n: number }>`select count(*)::int as n from product_categories`.execute(testApp.database.db)).rows[0]?.n,
    )
    const page = await call(testApp, 'GET', '/api/v1/product-categories?limit=1&include_total=true')
    assert.equal(page.statusCode, 200, page.body)
    assert.equal(page.json().total, all)
    assert.equal(page.json().data.length, 1)
    const next = await call(testApp, 'GET', `/api/v1/product-categories?limit=1&include_total=true&cursor=${page.json().next_cursor}`)
    assert.equal(next.json().total, all)
    const bySlug = await call(testApp, 'GET', `/api/v1/product-categories?slug=${one.slug}&include_total=true`)
    assert.equal(bySlug.json().total, 1)
    const without = await call(testApp, 'GET', '/api/v1/product-categories')
    assert.equal('total' in without.json(), false)
    const bad = await call(testApp, 'GET', '/api/v1/product-categories?include_total=2')
    assert.equal(bad.statusCode, 400, bad.body)
  })
})
