import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from '#core/db/database.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { call, type Headers, makeCategory, makeProduct, signedIn, unique } from './products.testing.ts'

const countRows = async (testApp: TestApp, table: 'products' | 'product_variants', sku: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where sku = ${sku}`.execute(testApp.database.db)).rows[0]?.n

const changeTags = async (testApp: TestApp, after: number) =>
  (await sql<{ tags: string[] }>`select tags from changes where id > ${after} order by id`.execute(testApp.database.db)).rows.map(
    (r) => r.tags,
  )
const lastChange = async (testApp: TestApp) =>
  (await sql<{ id: number }>`select coalesce(max(id), 0)::int as id from changes`.execute(testApp.database.db)).rows[0]?.id ?? 0

describe('products API', () => {
  test('an editor creates a product with categories, attributes, options and variants; everyone reads the active one', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const parent = await makeCategory(testApp, editor)
    const child = await makeCategory(testApp, editor, { parent_id: parent.id })
    const before = await lastChange(testApp)
    const sku = `TEE-${unique()}`
    const created = await call(testApp, 'POST', '/api/v1/products', editor, {
      sku,
      name: 'Linen Tee',
      description: 'Soft **linen**.<script>alert(1)</script>',
      status: 'active',
      price_minor: 2999,
      compare_at_price_minor: 3999,
      stock: 7,
      attributes: { colour: 'red', size: ['S', 'M'] },
      options: [{ name: 'size', values: ['S', 'M'] }],
      variants: [
        { sku: `${sku}-S`, price_minor: 2999, stock: 3, option_values: { size: 'S' } },
        { sku: `${sku}-M`, price_minor: 3199, stock: null, option_values: { size: 'M' } },
      ],
      category_ids: [child.id],
    })
    assert.equal(created.statusCode, 201, created.body)
    const product = created.json()
    assert.equal(product.slug, 'linen-tee')
    assert.deepEqual(product.price, { amount_minor: 2999, currency: 'EUR' })
    assert.deepEqual(product.compare_at_price, { amount_minor: 3999, currency: 'EUR' })
    assert.equal(product.in_stock, true)
    assert.match(product.description_html, /<strong>linen<\/strong>/)
    assert.doesNotMatch(product.description_html, /<script/)
    assert.deepEqual(
      product.categories.map((c: { id: number }) => c.id),
      [child.id],
    )
    assert.deepEqual(
      product.variants.map((v: { sku: string; price: { amount_minor: number }; in_stock: boolean }) => [
        v.sku,
        v.price.amount_minor,
        v.in_stock,
      ]),
      [
        [`${sku}-S`, 2999, true],
        [`${sku}-M`, 3199, true],
      ],
    )
    assert.deepEqual(await changeTags(testApp, before), [[`list:products`, `product:${product.id}`]])

    for (const url of [`/api/v1/products/${product.id}`, `/api/v1/products?slug=linen-tee`]) {
      const anonymous = await call(testApp, 'GET', url)
      assert.equal(anonymous.statusCode, 200, anonymous.body)
      const body = anonymous.json()
      const item = 'data' in body ? body.data[0] : body
      assert.equal(item.id, product.id)
      assert.equal(item.variants.length, 2)
    }
    // In the parent category through the child.
    const inParent = await call(testApp, 'GET', `/api/v1/products?category=${parent.slug}`)
    assert.deepEqual(
      inParent.json().data.map((p: { id: number }) => p.id),
      [product.id],
    )
  })

  test('anonymous callers, members and authors see active products only; editors and admins see drafts', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const category = await makeCategory(testApp, editor)
    const draft = await makeProduct(testApp, editor, { category_ids: [category.id] })
    const archived = await makeProduct(testApp, editor, { category_ids: [category.id], status: 'archived' })
    const active = await makeProduct(testApp, editor, { category_ids: [category.id], status: 'active' })
    const viewers: [string, Headers, number[]][] = [
      ['anonymous', {}, [active.id]],
      ['member', await signedIn(testApp, 'member'), [active.id]],
      ['author', await signedIn(testApp, 'author'), [active.id]],
      ['editor', editor, [active.id, archived.id, draft.id]],
      ['admin', await signedIn(testApp, 'admin'), [active.id, archived.id, draft.id]],
    ]
    for (const [who, headers, ids] of viewers) {
      const list = await call(testApp, 'GET', `/api/v1/products?category=${category.slug}`, headers)
      assert.equal(list.statusCode, 200, list.body)
      assert.deepEqual(
        list.json().data.map((p: { id: number }) => p.id),
        ids,
        who,
      )
      const one = await call(testApp, 'GET', `/api/v1/products/${draft.id}`, headers)
      assert.equal(one.statusCode, ids.includes(draft.id) ? 200 : 404, `${who}: ${one.body}`)
      const bySlug = await call(testApp, 'GET', `/api/v1/products?slug=${draft.slug}`, headers)
      assert.equal(bySlug.json().data.length, ids.includes(draft.id) ? 1 : 0, who)
    }
  })

  test('only editors and admins write products, categories and stock', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const product = await makeProduct(testApp, editor, { status: 'active', stock: 5 })
    const category = await makeCategory(testApp, editor)
    const writes: ['POST' | 'PATCH' | 'DELETE', string, object | undefined][] = [
      ['POST', '/api/v1/products', { sku: `X-${unique()}`, name: 'x', price_minor: 1 }],
      ['PATCH', `/api/v1/products/${product.id}`, { name: 'changed' }],
      ['POST', `/api/v1/products/${product.id}/stock`, { delta: -1 }],
      ['DELETE', `/api/v1/products/${product.id}`, undefined],
      ['POST', '/api/v1/product-categories', { name: 'x' }],
      ['PATCH', `/api/v1/product-categories/${category.id}`, { name: 'changed' }],
      ['DELETE', `/api/v1/product-categories/${category.id}`, undefined],
    ]
    const callers: [string, Headers, number][] = [
      ['anonymous', {}, 401],
      ['member', await signedIn(testApp, 'member'), 403],
      ['author', await signedIn(testApp, 'author'), 403],
    ]
    for (const [who, headers, status] of callers) {
      for (const [method, url, payload] of writes) {
        const response = await call(testApp, method, url, headers, payload)
        assert.equal(response.statusCode, status, `${who} ${method} ${url}: ${response.body}`)
      }
    }
    const unchanged = await call(testApp, 'GET', `/api/v1/products/${product.id}`)
    assert.equal(unchanged.json().name, product.name)
    assert.equal(unchanged.json().stock, 5)
    const admin = await signedIn(testApp, 'admin')
    assert.equal((await call(testApp, 'PATCH', `/api/v1/products/${product.id}`, admin, { name: 'By admin' })).statusCode, 200)
    assert.equal((await call(testApp, 'POST', `/api/v1/products/${product.id}/stock`, editor, { delta: -2 })).json().stock, 3)
    assert.equal((await call(testApp, 'DELETE', `/api/v1/products/${product.id}`, admin)).statusCode, 204)
    assert.equal((await call(testApp, 'GET', `/api/v1/products/${product.id}`, admin)).statusCode, 404)
    // Ids past a product's possible range (its facet bit is at its id, an int) are a 404 too, not a 500 (the fuzz test found it).
    for (const id of [999_999_999, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER]) {
      assert.equal((await call(testApp, 'DELETE', `/api/v1/products/${id}`, admin)).statusCode, 404)
    }
  })

  test('PATCH changes the fields sent, replaces lists sent, and keeps the rest', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const a = await makeCategory(testApp, editor)
    const b = await makeCategory(testApp, editor)
    const product = await makeProduct(testApp, editor, { category_ids: [a.id], attributes: { colour: 'blue' }, description: 'Old' })
    const patched = await call(testApp, 'PATCH', `/api/v1/products/${product.id}`, editor, {
      price_minor: 1250,
      category_ids: [b.id],
      attributes: { colour: 'green', fit: 'slim' },
    })
    assert.equal(patched.statusCode, 200, patched.body)
    const body = patched.json()
    assert.equal(body.price.amount_minor, 1250)
    assert.equal(body.description, 'Old')
    assert.equal(body.name, product.name)
    assert.deepEqual(
      body.categories.map((c: { id: number }) => c.id),
      [b.id],
    )
    assert.deepEqual(body.attributes, { colour: 'green', fit: 'slim' })
    // The facets follow: the product is found by its new attribute and category, not the old ones.
    const byNew = await call(testApp, 'GET', `/api/v1/products?category=${b.slug}&attr.fit=slim`, editor)
    assert.deepEqual(
      byNew.json().data.map((p: { id: number }) => p.id),
      [product.id],
    )
    const byOld = await call(testApp, 'GET', `/api/v1/products?category=${a.slug}`, editor)
    assert.deepEqual(byOld.json().data, [])
    assert.equal((await call(testApp, 'PATCH', '/api/v1/products/999999999', editor, { name: 'x' })).statusCode, 404)
  })

  test('a SKU or slug taken by another product or variant is a 409 naming the field, and nothing is written', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const first = await makeProduct(testApp, editor, {
      options: [{ name: 'size', values: ['S'] }],
      variants: [{ sku: `V-${unique()}`, price_minor: 1, option_values: { size: 'S' } }],
    })
    const variantSku = (await call(testApp, 'GET', `/api/v1/products/${first.id}`, editor)).json().variants[0].sku
    const cases: [string, Record<string, unknown>, string][] = [
      ['the SKU of a product', { sku: first.sku }, 'sku'],
      ['the SKU of a variant', { sku: variantSku }, 'sku'],
      [
        'a variant SKU of a product',
        { options: [{ name: 'size', values: ['S'] }], variants: [{ sku: first.sku, price_minor: 1, option_values: { size: 'S' } }] },
        'variants.0.sku',
      ],
      ['a slug', { slug: first.slug }, 'slug'],
    ]
    for (const [name, body, field] of cases) {
      const sku = `N-${unique()}`
      const response = await call(testApp, 'POST', '/api/v1/products', editor, { sku, name: 'New', price_minor: 5, ...body })
      assert.equal(response.statusCode, 409, `${name}: ${response.body}`)
      assert.equal(response.json().errors[0].field, field, name)
      if (!('sku' in body)) assert.equal(await countRows(testApp, 'products', sku), 0, name)
    }
  })

  const badBodies: [string, Record<string, unknown>, string][] = [
    ['a price with a fraction', { price_minor: 12.5 }, 'price_minor'],
    ['a price as a string', { price_minor: '1250' }, 'price_minor'],
    ['a negative price', { price_minor: -1 }, 'price_minor'],
    ['a price above the maximum', { price_minor: 1_000_000_000_001 }, 'price_minor'],
    ['a negative stock', { stock: -1 }, 'stock'],
    ['a stock with a fraction', { stock: 1.5 }, 'stock'],
    ['compare_at below the price', { compare_at_price_minor: 999 }, 'compare_at_price_minor'],
    ['an unknown status', { status: 'published' }, 'status'],
    ['an attribute name with a quote', { attributes: { "col'our": 'red' } }, 'attributes'],
    ['an attribute name in upper case', { attributes: { Colour: 'red' } }, 'attributes'],
    ['an attribute value with a semicolon', { attributes: { colour: 'red; drop table products' } }, 'attributes.colour'],
    ['an attribute value that is a number', { attributes: { colour: 5 } }, 'attributes.colour'],
    ['an attribute value that is an object', { attributes: { colour: { a: 'b' } } }, 'attributes.colour'],
    ['31 attributes', { attributes: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`a${i}`, 'x'])) }, 'attributes'],
    ['an unknown category', { category_ids: [999999999] }, 'category_ids'],
    ['an unknown media item', { images: [{ media_id: 999999999, alt: 'x' }] }, 'images.0.media_id'],
    [
      'a variant missing an option value',
      { options: [{ name: 'size', values: ['S'] }], variants: [{ sku: `V-${unique()}`, price_minor: 1, option_values: {} }] },
      'variants.0.option_values',
    ],
    [
      'a variant with a value its option lacks',
      { options: [{ name: 'size', values: ['S'] }], variants: [{ sku: `V-${unique()}`, price_minor: 1, option_values: { size: 'XL' } }] },
      'variants.0.option_values.size',
    ],
    [
      'two variants with the same choice',
      {
        options: [{ name: 'size', values: ['S'] }],
        variants: [
          { sku: `V-${unique()}`, price_minor: 1, option_values: { size: 'S' } },
          { sku: `V-${unique()}`, price_minor: 1, option_values: { size: 'S' } },
        ],
      },
      'variants.1',
    ],
    ['an unknown field', { colour: 'red' }, 'colour'],
    ['a SKU with a space', { sku: 'A B' }, 'sku'],
    ['an empty name', { name: ' ' }, 'name'],
  ]
  for (const [name, body, field] of badBodies) {
    test(`creating with ${name} is a 400 naming ${field}, and nothing is written`, async (t) => {
      const testApp = await buildTestApp(t)
      const editor = await signedIn(testApp, 'editor')
      const sku = `BAD-${unique()}`
      const response = await call(testApp, 'POST', '/api/v1/products', editor, {
        sku,
        name: 'Bad',
        price_minor: 1000,
        ...body,
      })
      assert.equal(response.statusCode, 400, response.body)
      const fields = (response.json().errors as { field: string }[]).map((e) => e.field)
      assert.ok(
        fields.some((f) => f === field || f.startsWith(`${field}.`)),
        `${fields.join(', ')} should name ${field}`,
      )
      assert.equal(await countRows(testApp, 'products', String(body.sku ?? sku)), 0)
    })
  }

  test('a failing write inside the transaction leaves nothing behind (no product, no variants, no links)', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const taken = await makeProduct(testApp, editor, {})
    const sku = `HALF-${unique()}`
    const variantSku = `${sku}-S`
    // The slug conflict is found by the INSERT itself (no pre-check), after the SKU checks passed.
    const response = await call(testApp, 'POST', '/api/v1/products', editor, {
      sku,
      name: 'Half',
      slug: taken.slug,
      price_minor: 1,
      options: [{ name: 'size', values: ['S'] }],
      variants: [{ sku: variantSku, price_minor: 1, option_values: { size: 'S' } }],
    })
    assert.equal(response.statusCode, 409, response.body)
    assert.equal(await countRows(testApp, 'products', sku), 0)
    assert.equal(await countRows(testApp, 'product_variants', variantSku), 0)
  })
})

describe('product list filters: bad input', () => {
  const bad: [string, string, string][] = [
    ['an unknown attribute', 'attr.flavour_unknown_x=red', 'attr.flavour_unknown_x'],
    ['a non-numeric price_min', 'price_min=cheap', 'price_min'],
    ['a price with a fraction', 'price_max=10.5', 'price_max'],
    ['a negative price', 'price_min=-5', 'price_min'],
    ['price_min above price_max', 'price_min=500&price_max=100', 'price_min'],
    ['a huge limit', 'limit=100000', 'limit'],
    ['a limit of zero', 'limit=0', 'limit'],
    ['an injection in an attribute key', `attr.colour'%20or%201=1--=red`, "attr.colour' or 1"],
    ['an injection in an attribute key (semicolon)', 'attr.colour;drop%20table%20products=red', 'attr.colour;drop table products'],
    ['an attribute key in upper case', 'attr.Colour=red', 'attr.Colour'],
    ['an injection in an attribute value', `attr.colour=red'%20or%20'1'='1`, 'attr.colour.0'],
    ['a value with a semicolon', 'attr.colour=red;select', 'attr.colour.0'],
    ['an empty attribute value', 'attr.colour=', 'attr.colour.0'],
    ['an unknown sort', 'sort=popularity', 'sort'],
    ['relevance without q', 'sort=relevance', 'sort'],
    ['an unknown facet', 'facets=category,flavour_unknown_x', 'facets'],
    ['a facet name with a quote', `facets=col'our`, 'facets'],
    ['an unknown category', 'category=no-such-category-x', 'category'],
    ['an unknown category with facets', 'category=no-such-category-x&facets=category,colour', 'category'],
    ['an unknown category with relevance', 'category=no-such-category-x&q=red&sort=relevance', 'category'],
    ['an unknown category with a product slug', 'category=no-such-category-x&slug=no-such-product-x', 'category'],
    ['an unknown category beside another error', 'category=no-such-category-x&price_min=5&price_max=1', 'category'],
    ['in_stock that is not a boolean', 'in_stock=maybe', 'in_stock'],
    ['an unknown parameter', 'colour=red', 'colour'],
    ['a foreign cursor', 'cursor=bm90IGEgY3Vyc29y', 'cursor'],
    ['eleven attribute filters', Array.from({ length: 11 }, (_, i) => `attr.colour${i}=x`).join('&'), 'attr'],
    ['41 query keys', Array.from({ length: 41 }, (_, i) => `attr.a${i}=x`).join('&'), 'querystring'],
  ]
  for (const [name, query, field] of bad) {
    test(`${name} is a 400 naming ${field}`, async (t) => {
      const testApp = await buildTestApp(t)
      const editor = await signedIn(testApp, 'editor')
      await makeProduct(testApp, editor, { status: 'active', attributes: { colour: 'red' } })
      const response = await call(testApp, 'GET', `/api/v1/products?${query}`)
      assert.equal(response.statusCode, 400, response.body)
      const fields = (response.json().errors as { field: string }[]).map((e) => e.field)
      assert.ok(
        fields.some((f) => f === field || f.startsWith(field)),
        `${fields.join(', ')} should name ${field}`,
      )
    })
  }
})

describe('stock', () => {
  test('concurrent decrements never oversell: final stock = start - what the successes took, the rest are 409', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const product = await makeProduct(testApp, editor, { status: 'active', stock: 20 })
    const deltas = Array.from({ length: 30 }, (_, i) => -(1 + (i % 3)))
    const responses = await Promise.all(
      deltas.map((delta) => call(testApp, 'POST', `/api/v1/products/${product.id}/stock`, editor, { delta })),
    )
    const statuses = responses.map((r) => r.statusCode)
    assert.ok(
      statuses.every((s) => s === 200 || s === 409),
      responses.map((r) => r.body).join('\n'),
    )
    const took = deltas.reduce((sum, delta, i) => sum + (statuses[i] === 200 ? -delta : 0), 0)
    const final = (await call(testApp, 'GET', `/api/v1/products/${product.id}`)).json().stock as number
    assert.ok(final >= 0)
    assert.equal(final, 20 - took)
    assert.ok(took > 0 && statuses.includes(409))
    // Every success saw a different stock: no two requests both took the same units.
    const seen = responses.filter((r) => r.statusCode === 200).map((r) => r.json().stock as number)
    assert.equal(new Set(seen).size, seen.length)
    for (const r of responses.filter((r) => r.statusCode === 409)) assert.equal(r.json().code, 'conflict')
  })

  test('a decrement below zero is a 409 and changes nothing; 404 for no product; untracked stock is a 409', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const tracked = await makeProduct(testApp, editor, { stock: 2 })
    const untracked = await makeProduct(testApp, editor, { stock: null })
    const before = await lastChange(testApp)
    const over = await call(testApp, 'POST', `/api/v1/products/${tracked.id}/stock`, editor, { delta: -3 })
    assert.equal(over.statusCode, 409, over.body)
    assert.equal(over.json().errors[0].field, 'delta')
    assert.equal((await call(testApp, 'GET', `/api/v1/products/${tracked.id}`, editor)).json().stock, 2)
    assert.deepEqual(await changeTags(testApp, before), [])
    assert.equal((await call(testApp, 'POST', '/api/v1/products/999999999/stock', editor, { delta: -1 })).statusCode, 404)
    assert.equal((await call(testApp, 'POST', `/api/v1/products/${untracked.id}/stock`, editor, { delta: -1 })).statusCode, 409)
    for (const delta of [0, 1.5, '1', 2_000_000]) {
      const response = await call(testApp, 'POST', `/api/v1/products/${tracked.id}/stock`, editor, { delta })
      assert.equal(response.statusCode, 400, `delta ${delta}: ${response.body}`)
    }
    const max = await call(testApp, 'PATCH', `/api/v1/products/${tracked.id}`, editor, { stock: 2_147_483_000 })
    assert.equal(max.statusCode, 200)
    const overflow = await call(testApp, 'POST', `/api/v1/products/${tracked.id}/stock`, editor, { delta: 1_000 })
    assert.equal(overflow.statusCode, 409, overflow.body)
    // Every change of a product's own stock names the product and the list: running out changes what in_stock
    // filters, and any change moves the product's updated_at, the lastmod of /sitemap.xml (list:products).
    const after = await lastChange(testApp)
    await call(testApp, 'PATCH', `/api/v1/products/${tracked.id}`, editor, { stock: 2 })
    const mid = await lastChange(testApp)
    assert.equal((await call(testApp, 'POST', `/api/v1/products/${tracked.id}/stock`, editor, { delta: -1 })).statusCode, 200)
    assert.equal((await call(testApp, 'POST', `/api/v1/products/${tracked.id}/stock`, editor, { delta: -1 })).statusCode, 200)
    assert.ok(after < mid)
    assert.deepEqual(await changeTags(testApp, mid), [
      ['list:products', `product:${tracked.id}`],
      ['list:products', `product:${tracked.id}`],
    ])
  })

  test('a variant has its own stock; a variant of another product is a 404', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const product = await makeProduct(testApp, editor, {
      stock: 100,
      options: [{ name: 'size', values: ['S'] }],
      variants: [{ sku: `VS-${unique()}`, price_minor: 1, stock: 1, option_values: { size: 'S' } }],
    })
    const other = await makeProduct(testApp, editor, {})
    const variantId = (await call(testApp, 'GET', `/api/v1/products/${product.id}`, editor)).json().variants[0].id
    const taken = await call(testApp, 'POST', `/api/v1/products/${product.id}/stock`, editor, { delta: -1, variant_id: variantId })
    assert.deepEqual(taken.json(), { id: product.id, variant_id: variantId, stock: 0 })
    assert.equal(
      (await call(testApp, 'POST', `/api/v1/products/${product.id}/stock`, editor, { delta: -1, variant_id: variantId })).statusCode,
      409,
    )
    assert.equal(
      (await call(testApp, 'POST', `/api/v1/products/${other.id}/stock`, editor, { delta: -1, variant_id: variantId })).statusCode,
      404,
    )
    const read = (await call(testApp, 'GET', `/api/v1/products/${product.id}`, editor)).json()
    assert.equal(read.stock, 100)
    assert.equal(read.variants[0].in_stock, false)
  })
})

describe('product categories', () => {
  test('a category tree: moving a category moves its products in the filters; cycles and deleting a parent are refused', async (t) => {
    const testApp = await buildTestApp(t)
    const editor = await signedIn(testApp, 'editor')
    const top1 = await makeCategory(testApp, editor)
    const top2 = await makeCategory(testApp, editor)
    const mid = await makeCategory(testApp, editor, { parent_id: top1.id })
    const leaf = await makeCategory(testApp, editor, { parent_id: mid.id })
    const product = await makeProduct(testApp, editor, { status: 'active', category_ids: [leaf.id] })
    const ids = async (slug: string) =>
      (await call(testApp, 'GET', `/api/v1/products?category=${slug}`)).json().data.map((p: { id: number }) => p.id)
    assert.deepEqual(await ids(top1.slug), [product.id])
    assert.deepEqual(await ids(top2.slug), [])
    const moved = await call(testApp, 'PATCH', `/api/v1/product-categories/${mid.id}`, editor, { parent_id: top2.id })
    assert.equal(moved.statusCode, 200, moved.body)
    assert.deepEqual(await ids(top1.slug), [])
    assert.deepEqual(await ids(top2.slug), [product.id])
    const cycle = await call(testApp, 'PATCH', `/api/v1/product-categories/${mid.id}`, editor, { parent_id: leaf.id })
    assert.equal(cycle.statusCode, 400, cycle.body)
    assert.equal(cycle.json().errors[0].field, 'parent_id')
    const self = await call(testApp, 'PATCH', `/api/v1/product-categories/${mid.id}`, editor, { parent_id: mid.id })
    assert.equal(self.statusCode, 400, self.body)
    const parentDelete = await call(testApp, 'DELETE', `/api/v1/product-categories/${mid.id}`, editor)
    assert.equal(parentDelete.statusCode, 409, parentDelete.body)
    assert.equal((await call(testApp, 'DELETE', `/api/v1/product-categories/${leaf.id}`, editor)).statusCode, 204)
    assert.deepEqual(await ids(top2.slug), [])
    const again = await call(testApp, 'GET', `/api/v1/products/${product.id}`)
    assert.deepEqual(again.json().categories, [])
    const taken = await call(testApp, 'POST', '/api/v1/product-categories', editor, { name: 'x', slug: top1.slug })
    assert.equal(taken.statusCode, 409, taken.body)
    const list = await call(testApp, 'GET', `/api/v1/product-categories?slug=${top1.slug}`)
    assert.deepEqual(
      list.json().data.map((c: { id: number }) => c.id),
      [top1.id],
    )
  })
})
