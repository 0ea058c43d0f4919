import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { isChangeTag } from '#core/changes/changes.ts'
import { buildTestApp, type TestApp } from '../../../test/app.ts'
import { createUser } from '../../../test/factories.ts'
import { generateMediaVariants, uploadMedia } from '../media/media.service.ts'
import { localMediaStore } from '../media/media.store.ts'
import { makeImage } from '../media/media.testing.ts'
import { PRODUCTS_PER_PAGE } from './pages.ts'
import { createProduct } from './products.service.ts'
import { call, type Headers, makeCategory, makeProduct, signedIn, unique } from './products.testing.ts'

const PUBLIC_URL = 'https://shop.example.org'

/**
 * One app and one small catalog for the whole file (the pages only read it;
 * each test that writes makes its own products): building them per test took
 * most of the file's time.
 */
const cleanups: (() => unknown)[] = []
let testApp: TestApp
let dataDir: string
let editor: Headers
let c: Awaited<ReturnType<typeof catalog>>
before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-product-pages-'))
  testApp = await buildTestApp({ after: (fn) => void cleanups.push(fn as () => unknown) }, { env: { PUBLIC_URL, DATA_DIR: dataDir } })
  editor = await signedIn(testApp, 'editor')
  c = await catalog(testApp, editor)
})
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  fs.rmSync(dataDir, { recursive: true, force: true })
})
const get = (testApp: TestApp, url: string, headers: Headers = {}) => testApp.app.inject({ method: 'GET', url, headers })

/** The JSON-LD blocks of a page, parsed. */
const jsonLdOf = (html: string) =>
  [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1] as string))
const keysOf = (response: { headers: Record<string, unknown> }): string[] => String(response.headers['surrogate-key'] ?? '').split(' ')
/** The product names of a grid, in order. */
const namesIn = (html: string) => [...html.matchAll(/<h2 class="card__title"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1])
/** A facet checkbox or radio with its count: `value (count)`. */
const facet = (html: string, name: string, value: string) =>
  new RegExp(`name="${name.replace('.', '\\.')}" value="${value}"( checked)?> [^<]*<span class="count">\\((\\d+)\\)</span>`).exec(html)

/** A small shop of its own: a category with a sub-category, products in both, a draft, colours and sizes. */
async function catalog(testApp: TestApp, editor: Headers) {
  const top = await makeCategory(testApp, editor, { name: `Clothes ${unique()}` })
  const sub = await makeCategory(testApp, editor, { name: `Shirts ${unique()}`, parent_id: top.id })
  const word = `w${unique()}`
  const product = (name: string, body: Record<string, unknown>) =>
    makeProduct(testApp, editor, { name: `${name} ${word}`, status: 'active', description: `About ${word}.`, ...body })
  const red = await product('Red coat', {
    category_ids: [top.id],
    price_minor: 12900,
    compare_at_price_minor: 15900,
    stock: 3,
    attributes: { colour: 'red', size: ['M', 'L'] },
  })
  const blue = await product('Blue shirt', {
    category_ids: [sub.id],
    price_minor: 2500,
    stock: 0,
    attributes: { colour: 'blue', size: 'S' },
  })
  const green = await product('Green shirt', { category_ids: [sub.id], price_minor: 1999, attributes: { colour: 'green' } })
  const draft = await makeProduct(testApp, editor, { name: `Draft ${word}`, category_ids: [top.id], attributes: { colour: 'red' } })
  return { top, sub, word, red, blue, green, draft }
}

describe('product listing pages', () => {
  test('a category page shows its products and its sub-categories’, with breadcrumbs, prices, stock, facet counts and render tags', async () => {
    const response = await get(testApp, `/products/category/${c.top.slug}`)
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/html/)
    assert.match(String(response.headers['cache-control']), /^public/)
    const html = response.body
    // Newest first; the draft is not public.
    assert.deepEqual(namesIn(html), [`Green shirt ${c.word}`, `Blue shirt ${c.word}`, `Red coat ${c.word}`])
    assert.doesNotMatch(html, /Draft /)
    assert.match(html, new RegExp(`<h1>${c.top.name}</h1>`))
    assert.match(html, /<nav class="breadcrumbs"[\s\S]*<a href="\/products">Products<\/a>/)
    assert.match(html, new RegExp(`<a href="/products/category/${c.sub.slug}">${c.sub.name} <span class="count">\\(2\\)</span>`))
    // Default currency EUR, default language en.
    assert.match(
      html,
      /<del class="price__was"><span class="visually-hidden">Was <\/span>€159.00<\/del> <ins class="price__now"><span class="visually-hidden">Now <\/span>€129.00<\/ins>/,
    )
    assert.match(html, /<span class="price__now">€19.99<\/span>/)
    assert.match(html, /<p class="stock">Only 3 left<\/p>/)
    assert.match(html, /<p class="stock stock--out">Out of stock<\/p>/)
    // Facet counts over the category (the draft's red is not counted).
    assert.equal(facet(html, 'attr.colour', 'red')?.[2], '1')
    assert.equal(facet(html, 'attr.colour', 'blue')?.[2], '1')
    assert.equal(facet(html, 'attr.size', 'M')?.[2], '1')
    assert.equal(facet(html, 'price', '1000-2500')?.[2], '1')
    assert.equal(facet(html, 'price', '2500-5000')?.[2], '1')
    // The form works without JavaScript: a GET to the same page, with a submit button.
    assert.match(html, new RegExp(`<form class="filters" action="/products/category/${c.top.slug}" method="get"`))
    assert.match(html, /<button type="submit">Apply filters<\/button>/)

    const keys = keysOf(response)
    assert.deepEqual(
      keys.filter((key) => !isChangeTag(key)),
      [],
    )
    for (const key of [
      'site',
      'list:products',
      'list:product-categories',
      `product-category:${c.top.id}`,
      `product:${c.red.id}`,
      `product:${c.green.id}`,
    ])
      assert.ok(keys.includes(key), `${key} in ${keys.join(' ')}`)
    assert.ok(!keys.includes(`product:${c.draft.id}`))
  })

  test('filters come from the query string: attributes (OR within one, AND across), price bucket, in stock, search words, sort', async () => {
    const page = async (query: string) => {
      const response = await get(testApp, `/products/category/${c.top.slug}?${query}`)
      assert.equal(response.statusCode, 200, query)
      return response.body
    }
    let html = await page('attr.colour=red&attr.colour=green')
    assert.deepEqual(namesIn(html), [`Green shirt ${c.word}`, `Red coat ${c.word}`])
    assert.ok(facet(html, 'attr.colour', 'red')?.[1], 'the chosen value is ticked')
    // Counted without its own filter: blue is still offered, with its count.
    assert.equal(facet(html, 'attr.colour', 'blue')?.[2], '1')
    html = await page('attr.colour=red&attr.colour=blue&attr.size=S')
    assert.deepEqual(namesIn(html), [`Blue shirt ${c.word}`])
    html = await page('price=1000-2500')
    assert.deepEqual(namesIn(html), [`Green shirt ${c.word}`])
    html = await page('in_stock=true')
    assert.deepEqual(namesIn(html), [`Green shirt ${c.word}`, `Red coat ${c.word}`])
    assert.match(html, /name="in_stock" value="true" checked/)
    html = await page('sort=price')
    assert.deepEqual(namesIn(html), [`Green shirt ${c.word}`, `Blue shirt ${c.word}`, `Red coat ${c.word}`])
    html = await page('q=coat')
    assert.deepEqual(namesIn(html), [`Red coat ${c.word}`])
    // /products with a category chosen in the form is the same set.
    html = (await get(testApp, `/products?category=${c.sub.slug}&sort=name`)).body
    assert.deepEqual(namesIn(html), [`Blue shirt ${c.word}`, `Green shirt ${c.word}`])
    assert.match(html, new RegExp(`name="category" value="${c.sub.slug}" checked`))
  })

  test('pages follow with a cursor (next) and back to the first page', async () => {
    const category = await makeCategory(testApp, editor)
    const count = PRODUCTS_PER_PAGE + 2
    for (let i = 0; i < count; i++) {
      const name = `Item ${String(i).padStart(2, '0')}`
      await createProduct(testApp.database.db, {
        sku: `I-${unique()}`,
        name,
        price_minor: 100,
        status: 'active',
        category_ids: [category.id],
      })
    }
    const first = await get(testApp, `/products/category/${category.slug}?sort=name`)
    const names = namesIn(first.body)
    assert.equal(names.length, PRODUCTS_PER_PAGE)
    assert.equal(names[0], 'Item 00')
    const next = /<a rel="next" href="([^"]+)">/
      .exec(first.body)?.[1]
      ?.replace(/&amp;/g, '&')
      .replace(/&#x3D;/g, '=')
    assert.ok(next, 'a next link')
    assert.doesNotMatch(first.body, /rel="prev"/)
    const second = await get(testApp, next)
    assert.equal(second.statusCode, 200)
    assert.deepEqual(namesIn(second.body), ['Item 24', 'Item 25'])
    assert.doesNotMatch(second.body, /rel="next"/)
    assert.match(second.body, new RegExp(`<a rel="prev" href="/products/category/${category.slug}\\?sort&#x3D;name">`))
  })

  test('bad query strings are ignored, never a 4xx or 5xx page: non-numeric price, unknown attribute, huge limit, bad cursor or sort', async () => {
    const all = [`Green shirt ${c.word}`, `Blue shirt ${c.word}`, `Red coat ${c.word}`]
    for (const query of [
      'price=abc',
      'price=10-abc',
      'price_min=abc&price_max=-1',
      'attr.nosuchattribute=red',
      'attr.colour=%22%3E%3Cscript%3E',
      'attr.colour[]=red',
      'limit=100000000',
      'cursor=not-a-cursor',
      'sort=relevance',
      'sort=drop%20table',
      'in_stock=maybe',
      'category=no-such-category',
      'category=../../etc',
      'q=%01%02',
      `q=${'x'.repeat(5000)}`,
      'page=2',
    ]) {
      const response = await get(testApp, `/products/category/${c.top.slug}?${query}`)
      assert.equal(response.statusCode, 200, `${query}: ${response.statusCode}`)
      if (!query.startsWith('q=') && !query.startsWith('category=')) assert.deepEqual(namesIn(response.body), all, query)
      assert.doesNotMatch(response.body, /<script>/)
    }
    // A NUL anywhere in the URL is refused before any route (a 400 page), never a database error.
    for (const query of ['attr.colour=a%00b', 'cursor=%00', 'q=%00'])
      assert.equal((await get(testApp, `/products?${query}`)).statusCode, 400, query)
    // An unknown category in the listing's own filter is dropped: the whole catalog is listed.
    const response = await get(testApp, '/products?category=no-such-category')
    assert.equal(response.statusCode, 200)
    assert.match(response.body, /name="category" value="" checked/)
  })

  test('unknown, inactive or malformed categories and products are the theme’s 404 page', async () => {
    const archived = await makeProduct(testApp, editor, { status: 'archived' })
    for (const url of [
      '/products/category/no-such-category',
      '/products/category/Bad_Slug',
      `/products/category/${'a'.repeat(101)}`,
      '/products/no-such-product',
      `/products/${c.draft.slug}`,
      `/products/${archived.slug}`,
      `/products/${'a'.repeat(201)}`,
    ]) {
      const response = await get(testApp, url)
      assert.equal(response.statusCode, 404, url)
      assert.match(response.body, /<h1>Page not found<\/h1>/, url)
      assert.ok(keysOf(response).includes('list:products'), url)
    }
    // A signed-in editor sees the public site as visitors do: drafts are for the admin.
    assert.equal((await get(testApp, `/products/${c.draft.slug}`, { cookie: editor.cookie as string })).statusCode, 404)
  })
})

describe('product page', () => {
  test('a product with images, attributes and categories: gallery with srcset, prices, stock, description and an Offer', async () => {
    const { db } = testApp.database
    const owner = await createUser(db, { role: 'editor' })
    const store = localMediaStore(dataDir)
    const media = await uploadMedia(db, store, owner, {
      bytes: await makeImage('jpeg', { width: 700, height: 400 }),
      filename: 'a.jpg',
      alt: 'x',
    })
    await generateMediaVariants(db, store, media.id)
    const category = await makeCategory(testApp, editor, { name: 'Coats & <Jackets>' })
    const product = await makeProduct(testApp, editor, {
      name: 'Winter coat </script><b>',
      status: 'active',
      price_minor: 12900,
      compare_at_price_minor: 15900,
      stock: 0,
      description: 'A **warm** coat.\n\n<script>alert(1)</script>',
      attributes: { colour: 'red', pack_size: ['1', '2'] },
      category_ids: [category.id],
      images: [{ media_id: media.id, alt: 'The coat, "front"' }],
    })
    const response = await get(testApp, `/products/${product.slug}`)
    assert.equal(response.statusCode, 200)
    const html = response.body
    assert.match(html, /<h1>Winter coat &lt;\/script&gt;&lt;b&gt;<\/h1>/)
    assert.match(html, /<source type="image\/avif" srcset="\/media\/[0-9a-f]{64}\.avif 320w, [^"]+"/)
    assert.match(
      html,
      /<img src="\/media\/[0-9a-f]{64}\.jpg" srcset="\/media\/[0-9a-f]{64}\.jpg 320w, [^"]+" sizes="[^"]+" alt="The coat, &quot;front&quot;" width="700" height="400"/,
    )
    assert.match(html, /<del class="price__was"><span class="visually-hidden">Was <\/span>€159.00<\/del>/)
    assert.match(html, /<p class="stock stock--out">Out of stock<\/p>/)
    assert.match(html, /<p>A <strong>warm<\/strong> coat.<\/p>/)
    assert.doesNotMatch(html, /<script>alert/)
    assert.match(html, /<tr><th scope="row">Pack size<\/th><td>1, 2<\/td><\/tr>/)
    assert.match(html, new RegExp(`<a href="/products/category/${category.slug}">Coats &amp; &lt;Jackets&gt;</a>`))
    assert.match(html, new RegExp(`<link rel="canonical" href="${PUBLIC_URL}/products/${product.slug}">`))
    assert.match(html, /<meta property="og:image" content="https:\/\/shop\.example\.org\/media\/[0-9a-f]{64}\.jpg">/)

    const [ld] = jsonLdOf(html)
    assert.equal(ld['@type'], 'Product')
    assert.equal(ld.name, 'Winter coat </script><b>')
    assert.equal(ld.sku, product.sku)
    assert.deepEqual(ld.offers, {
      '@type': 'Offer',
      sku: product.sku,
      price: '129.00',
      priceCurrency: 'EUR',
      availability: 'https://schema.org/OutOfStock',
      url: `${PUBLIC_URL}/products/${product.slug}`,
    })
    assert.match(ld.image[0], /^https:\/\/shop\.example\.org\/media\/[0-9a-f]{64}\.jpg$/)
    // The JSON-LD cannot close its script element.
    assert.doesNotMatch(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '', /<\//)

    const keys = keysOf(response)
    for (const key of ['site', `product:${product.id}`, `product-category:${category.id}`, `media:${media.id}`])
      assert.ok(keys.includes(key), `${key} in ${keys.join(' ')}`)
    // Anonymous: cacheable with an ETag and 304; signed in: private.
    const again = await get(testApp, `/products/${product.slug}`, { 'if-none-match': String(response.headers.etag) })
    assert.equal(again.statusCode, 304)
    assert.equal(
      (await get(testApp, `/products/${product.slug}`, { cookie: editor.cookie as string })).headers['cache-control'],
      'private, no-store',
    )
  })

  test('variants: a choice of option values with price and stock each, a price range and an AggregateOffer', async () => {
    const product = await makeProduct(testApp, editor, {
      status: 'active',
      price_minor: 2000,
      options: [
        { name: 'size', values: ['S', 'M'] },
        { name: 'colour', values: ['red'] },
      ],
      variants: [
        { sku: `V1-${unique()}`, price_minor: 2000, stock: 0, option_values: { size: 'S', colour: 'red' } },
        { sku: `V2-${unique()}`, price_minor: 2500, stock: 40, option_values: { size: 'M', colour: 'red' } },
      ],
    })
    const html = (await get(testApp, `/products/${product.slug}`)).body
    assert.match(html, /<label for="variant">Size \/ Colour<\/label>/)
    assert.match(html, /<option value="\d+" disabled>S \/ red — €20.00 \(Out of stock\)<\/option>/)
    assert.match(html, /<option value="\d+">M \/ red — €25.00 \(In stock\)<\/option>/)
    assert.match(html, /<span class="price__now">€20.00 – €25.00<\/span>/)
    assert.match(html, /<p class="stock">In stock<\/p>/)
    const [ld] = jsonLdOf(html)
    assert.equal(ld.offers['@type'], 'AggregateOffer')
    assert.equal(ld.offers.lowPrice, '20.00')
    assert.equal(ld.offers.highPrice, '25.00')
    assert.equal(ld.offers.offerCount, 2)
    assert.equal(ld.offers.availability, 'https://schema.org/InStock')
    assert.deepEqual(
      ld.offers.offers.map((o: { availability: string; price: string }) => [o.price, o.availability]),
      [
        ['20.00', 'https://schema.org/OutOfStock'],
        ['25.00', 'https://schema.org/InStock'],
      ],
    )
  })

  test('prices follow the site’s currency and language: EUR in German, USD in English, JPY without decimals', async () => {
    const admin = await signedIn(testApp, 'admin')
    const product = await makeProduct(testApp, editor, { status: 'active', price_minor: 123456, stock: null })
    const cases: [string, string, string, string][] = [
      ['EUR', 'de', '1.234,56\u00a0€', '1234.56'],
      ['USD', 'en', '$1,234.56', '1234.56'],
      ['JPY', 'en', '¥123,456', '123456'],
    ]
    for (const [currency, language, text, decimal] of cases) {
      const set = await call(testApp, 'PATCH', '/api/v1/settings', admin, { currency, language })
      assert.equal(set.statusCode, 200, set.body)
      const html = (await get(testApp, `/products/${product.slug}`)).body
      assert.ok(html.includes(`<span class="price__now">${text}</span>`), `${currency}/${language}: ${text}`)
      assert.match(html, new RegExp(`<html lang="${language}">`))
      const [ld] = jsonLdOf(html)
      assert.equal(ld.offers.price, decimal)
      assert.equal(ld.offers.priceCurrency, currency)
      assert.equal(ld.offers.availability, 'https://schema.org/InStock')
    }
    await call(testApp, 'PATCH', '/api/v1/settings', admin, { currency: 'EUR', language: 'en' })
  })
})

describe('products in the sitemap and in site search', () => {
  test('active products and their categories are in /sitemap.xml with lastmod; drafts are not', async () => {
    const response = await get(testApp, '/sitemap.xml')
    assert.equal(response.statusCode, 200)
    const xml = response.body
    assert.match(xml, new RegExp(`<url><loc>${PUBLIC_URL}/products</loc><lastmod>[^<]+</lastmod></url>`))
    for (const slug of [c.red.slug, c.blue.slug, c.green.slug])
      assert.match(xml, new RegExp(`<url><loc>${PUBLIC_URL}/products/${slug}</loc><lastmod>\\d{4}-\\d\\d-\\d\\dT[^<]+</lastmod></url>`))
    assert.match(xml, new RegExp(`<loc>${PUBLIC_URL}/products/category/${c.top.slug}</loc>`))
    assert.match(xml, new RegExp(`<loc>${PUBLIC_URL}/products/category/${c.sub.slug}</loc>`))
    assert.ok(!xml.includes(`/products/${c.draft.slug}<`))
    assert.ok(keysOf(response).includes('list:products'))
  })

  test('site search finds active products, on the /search page and in GET /api/v1/search', async () => {
    const page = await get(testApp, `/search?q=${c.word}`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, new RegExp(`<a href="/products/${c.red.slug}">Red coat ${c.word}</a>`))
    assert.match(page.body, /<p class="meta">Product<\/p>/)
    assert.ok(!page.body.includes(c.draft.slug))
    const keys = keysOf(page)
    for (const key of ['list:products', `product:${c.red.id}`]) assert.ok(keys.includes(key), `${key} in ${keys.join(' ')}`)

    const api = await get(testApp, `/api/v1/search?q=${encodeURIComponent(`coat ${c.word}`)}`)
    assert.equal(api.statusCode, 200, api.body)
    const [hit] = api.json().data
    assert.equal(hit.type, 'product')
    assert.equal(hit.id, c.red.id)
    assert.equal(hit.path, `/products/${c.red.slug}`)
    assert.match(hit.snippet_html, /<mark>/)
    const only = await get(testApp, `/api/v1/search?q=${c.word}&type=product`)
    assert.equal(only.statusCode, 200, only.body)
    assert.deepEqual(
      only
        .json()
        .data.map((h: { id: number }) => h.id)
        .sort(),
      [c.red.id, c.blue.id, c.green.id].sort(),
    )
    assert.deepEqual((await get(testApp, `/api/v1/search?q=${c.word}&type=post`)).json().data, [])
  })
})
