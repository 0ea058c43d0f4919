// The product listing and a product page in a real browser (Debian's Chromium
// through playwright-core; `npm run test:browser`), with JavaScript off and on:
// the filter form is a plain GET form, so ticking a facet and pressing the
// button filters the grid either way; then a product's page shows its price
// and a JSON-LD Product. Full-page screenshots in test-results/screenshots/.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { createCategory } from '../../src/features/products/categories.service.ts'
import { createProduct } from '../../src/features/products/products.service.ts'
import { testDatabaseKind } from '../db.ts'
import { listenTestApp } from '../listen.ts'
import { launchChromium } from './chromium.ts'

const kind = testDatabaseKind()
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots')

const cleanups: (() => unknown)[] = []
let origin: string
let browser: Browser

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-products-browser-'))
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  const listening = await listenTestApp(cleanups, { env: { DATA_DIR: dataDir }, privateDatabase: true })
  origin = listening.origin
  const { db } = listening.testApp.database
  const shirts = await createCategory(db, { name: 'Shirts' })
  const product = (name: string, price: number, colour: string, stock: number | null) =>
    createProduct(db, {
      sku: name.toUpperCase().replace(/\W+/g, '-'),
      name,
      price_minor: price,
      stock,
      status: 'active',
      description: `A ${colour} shirt.`,
      attributes: { colour },
      category_ids: [shirts.id],
    })
  await product('Red shirt', 2990, 'red', 4)
  await product('Blue shirt', 3490, 'blue', null)
  await product('Green shirt', 1990, 'green', 0)
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  browser = await launchChromium(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const gridNames = (page: Page) => page.locator('.product-grid .card__title').allTextContents()

for (const javaScriptEnabled of [false, true]) {
  describe(`product pages with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test('tick a colour, apply, see the filtered grid and counts, open the product: price and JSON-LD', async (t) => {
      const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 } })
      t.after(() => context.close())
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(error.message))

      const listing = await page.goto(`${origin}/products`)
      assert.equal(listing?.status(), 200)
      assert.deepEqual((await gridNames(page)).sort(), ['Blue shirt', 'Green shirt', 'Red shirt'])
      const red = page.getByRole('checkbox', { name: /red \(1\)/ })
      await red.check()
      await Promise.all([page.waitForURL(/attr\.colour=red/), page.getByRole('button', { name: 'Apply filters' }).click()])
      assert.deepEqual(await gridNames(page), ['Red shirt'])
      assert.ok(await page.getByRole('checkbox', { name: /red \(1\)/ }).isChecked())
      // Counted without the colour's own filter: the other colours stay choosable.
      assert.ok(await page.getByRole('checkbox', { name: /blue \(1\)/ }).isVisible())
      await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-products-js-${javaScriptEnabled ? 'on' : 'off'}.png`), fullPage: true })

      await Promise.all([page.waitForURL(/\/products\/red-shirt$/), page.getByRole('link', { name: 'Red shirt' }).click()])
      assert.equal(await page.locator('h1').textContent(), 'Red shirt')
      assert.equal(await page.locator('.product__summary .price__now').textContent(), '€29.90')
      assert.equal((await page.locator('.product__summary .stock').textContent())?.trim(), 'Only 4 left')
      const ld = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? '{}')
      assert.equal(ld['@type'], 'Product')
      assert.equal(ld.offers['@type'], 'Offer')
      assert.equal(ld.offers.price, '29.90')
      assert.equal(ld.offers.priceCurrency, 'EUR')
      await page.screenshot({ path: path.join(SCREENSHOTS, `${kind}-product-js-${javaScriptEnabled ? 'on' : 'off'}.png`), fullPage: true })
      assert.deepEqual(errors, [])
    })
  })
}
