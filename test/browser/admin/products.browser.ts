// The admin's shop screens in Chromium (issue 13, "Products"): an editor builds the category
// tree, creates a product with an option, generated variants and two images (reordered by
// drag and by the keyboard's move buttons), finds it in the list with its price in the site's
// currency and on the public site with its variants; bad input (a price like 12.345 or abc, a
// SKU another product has) is shown next to its field; an author sees no Shop navigation and
// gets the "needs the editor role" screen. axe-core, screenshots at 1280 and 390 px and no
// console or CSP errors on every screen. `npm run build:admin` first; `npm run test:browser`.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { sql } from '../../../src/core/db/database.ts'
import { makeProduct, signedIn, unique } from '../../../src/features/products/products.testing.ts'
import { TEST_PASSWORD } from '../../factories.ts'
import { waitFor } from '../../wait-for.ts'
import { type AdminHarness, assertFits360, assertLeaveGuard, startAdmin } from './harness.ts'

const cleanups: (() => unknown)[] = []
let admin: AdminHarness

before(async () => {
  admin = await startAdmin(cleanups)
})

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const png = (colour: { r: number; g: number; b: number }) =>
  sharp({ create: { width: 320, height: 320, channels: 3, background: colour } })
    .png()
    .toBuffer()

const db = () => admin.testApp.database.db

/** Signs in through the sign-in screen, straight to `next`. */
async function signInTo(page: Page, email: string, next: string, heading: string) {
  await page.goto(`${admin.origin}/admin/sign-in?next=${encodeURIComponent(next)}`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(TEST_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
}

/** The error shown under a field (Field's `<id>-error`), once it is there. */
async function fieldError(page: Page, name: string): Promise<string> {
  const error = page.locator(`#field-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}-error`)
  await error.waitFor()
  return (await error.textContent()) ?? ''
}

describe('the admin: products', () => {
  test('an editor builds the category tree, creates a product with variants and images, and finds it in the list and on the site', {
    timeout: 300_000,
  }, async () => {
    const editor = await admin.user('editor', { name: 'Erin Editor' })
    const tab = await admin.page()
    const { page } = tab
    const id = unique()

    // The category tree: a top category and one under it, renamed afterwards.
    await signInTo(page, editor.email, '/admin/product-categories', 'Product categories')
    const create = page.getByRole('form', { name: 'New category' })
    await create.getByLabel('Name').fill(`Shirts ${id}`)
    await create.getByRole('button', { name: 'Create category' }).click()
    const tree = page.getByRole('list', { name: 'Product categories' })
    await tree.getByText(`Shirts ${id}`, { exact: true }).waitFor()
    await create.getByLabel('Name').fill(`Linen ${id}`)
    await create.getByLabel('Parent').selectOption({ label: `Shirts ${id}` })
    await create.getByRole('button', { name: 'Create category' }).click()
    const child = tree.getByRole('listitem').filter({ hasText: `Linen ${id}` })
    await child.waitFor()
    assert.match((await child.getAttribute('class')) ?? '', /depth-1/, 'the sub-category is indented under its parent')
    await child.getByRole('button', { name: `Rename or move Linen ${id}` }).click()
    await child.getByLabel(`Name of Linen ${id}`).fill(`Linen shirts ${id}`)
    await child.getByRole('button', { name: 'Save' }).click()
    await tree.getByText(`Linen shirts ${id}`, { exact: true }).waitFor()
    const categories = (
      await sql<{ id: number; name: string; parent_id: number | null }>`
        select id, name, parent_id from product_categories where name like ${`%${id}`} order by id`.execute(db())
    ).rows
    assert.deepEqual(
      categories.map((row) => [row.name, row.parent_id]),
      [
        [`Shirts ${id}`, null],
        [`Linen shirts ${id}`, categories[0]?.id],
      ],
    )
    // A third category moves under the first, and is deleted after the question; a parent with
    // sub-categories is not deleted, and the row says why.
    await create.getByLabel('Name').fill(`Summer ${id}`)
    await create.getByLabel('Parent').selectOption('')
    await create.getByRole('button', { name: 'Create category' }).click()
    const summer = tree.getByRole('listitem').filter({ hasText: `Summer ${id}` })
    await summer.getByRole('button', { name: `Rename or move Summer ${id}` }).click()
    await summer.getByLabel(`Parent of Summer ${id}`).selectOption({ label: `Shirts ${id}` })
    await summer.getByRole('button', { name: 'Save' }).click()
    await tree
      .locator('.depth-1')
      .filter({ hasText: `Summer ${id}` })
      .waitFor()
    await summer.getByRole('button', { name: `Delete Summer ${id}` }).click()
    await page
      .getByRole('dialog', { name: `Delete “Summer ${id}”?` })
      .getByRole('button', { name: 'Delete category' })
      .click()
    await summer.waitFor({ state: 'detached' })
    const shirts = tree.getByRole('listitem').filter({ hasText: new RegExp(`^Shirts ${id}`) })
    await shirts.getByRole('button', { name: `Delete Shirts ${id}` }).click()
    await page
      .getByRole('dialog', { name: `Delete “Shirts ${id}”?` })
      .getByRole('button', { name: 'Delete category' })
      .click()
    await shirts.getByRole('alert').filter({ hasText: 'Move or delete its sub-categories first.' }).waitFor()
    await admin.check(tab, 'product-categories')
    await assertFits360(page, 'product-categories')

    // Two images in the media library for the product.
    await page.goto(`${admin.origin}/admin/media`)
    await page.getByRole('heading', { level: 1, name: 'Media' }).waitFor()
    await page.getByLabel('Choose files').setInputFiles([
      { name: `front-${id}.png`, mimeType: 'image/png', buffer: await png({ r: 200, g: 190, b: 160 }) },
      { name: `back-${id}.png`, mimeType: 'image/png', buffer: await png({ r: 90, g: 110, b: 160 }) },
    ])
    const grid = page.getByRole('list', { name: 'Media items' })
    await grid.getByRole('button', { name: `Edit front-${id}.png` }).waitFor()
    await grid.getByRole('button', { name: `Edit back-${id}.png` }).waitFor()

    // The product: prices typed in euros, an option with two values, variants generated from it.
    await page.goto(`${admin.origin}/admin/products/new`)
    await page.getByRole('heading', { level: 1, name: 'New product' }).waitFor()
    await page.getByLabel('Name', { exact: true }).fill(`Linen shirt ${id}`)
    await page.locator('#field-sku').fill(`LIN-${id}`)
    await page.getByLabel('Price (EUR)', { exact: true }).fill('12.50')
    await page.getByLabel('Compare-at price (EUR)').fill('15')
    await page.getByLabel('Description').fill('Cool **linen**, cut loose.')
    await page.getByLabel('Status').selectOption('active')
    await page.getByRole('checkbox', { name: `Linen shirts ${id}` }).check()
    for (const name of [`front-${id}.png`, `back-${id}.png`]) {
      await page.getByRole('button', { name: 'Add an image' }).click()
      const picker = page.getByRole('dialog', { name: 'Choose an image' })
      await picker.getByRole('button', { name: `Choose ${name}` }).click()
      await picker.waitFor({ state: 'hidden' })
    }
    await page.getByLabel('Alt text of image 1').fill('The shirt from the front')
    await page.getByLabel('Alt text of image 2').fill('The shirt from the back')
    // Drag the second image above the first, then put it back with the keyboard's button.
    const rows = page.locator('.image-row')
    await rows.nth(1).locator('img').dragTo(rows.nth(0))
    await page.getByRole('status').filter({ hasText: 'Image moved to position 1 of 2.' }).waitFor()
    assert.equal(await page.getByLabel('Alt text of image 1').inputValue(), 'The shirt from the back')
    await page.getByRole('button', { name: 'Move image 1 down' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('status').filter({ hasText: 'Image moved to position 2 of 2.' }).waitFor()
    assert.equal(await page.getByLabel('Alt text of image 1').inputValue(), 'The shirt from the front')
    // Focus stays with the moved image, so the keyboard can keep moving it.
    // Polled from Node: waitForFunction's string predicate, once it has to poll in the page, is refused by the admin's CSP.
    await waitFor(
      'focus on the moved image’s button',
      async () => (await page.evaluate('document.activeElement?.getAttribute("aria-label")')) === 'Move image 2 up' || undefined,
    )

    await page.getByRole('button', { name: 'Add an option' }).click()
    await page.getByLabel('Option 1 name').fill('size')
    await page.getByLabel('Option 1 values').fill('S, M')
    await page.getByRole('button', { name: 'Generate variants from options' }).click()
    const second = page.getByRole('group', { name: 'Variant 2: M' })
    await second.waitFor()
    assert.equal(await page.getByRole('group', { name: 'Variant 1: S' }).getByLabel('SKU').inputValue(), `LIN-${id}-S`)
    await second.getByLabel('Price (EUR)', { exact: true }).fill('14')
    await second.getByRole('checkbox', { name: 'Track stock' }).check()
    await second.getByLabel('In stock').fill('3')
    await page.getByRole('button', { name: 'Create product' }).click()
    await page.waitForURL(/\/admin\/products\/\d+$/)
    await page.getByRole('heading', { level: 1, name: `Edit “Linen shirt ${id}”` }).waitFor()
    const productId = Number(new URL(page.url()).pathname.split('/').at(-1))

    const [product] = (
      await sql<{ slug: string; price_minor: string; compare_at_price_minor: string; status: string }>`
        select slug, price_minor, compare_at_price_minor, status from products where id = ${productId}`.execute(db())
    ).rows
    assert.deepEqual(
      [Number(product?.price_minor), Number(product?.compare_at_price_minor), product?.status],
      [1250, 1500, 'active'],
      'prices are stored as integer cents',
    )
    const variants = (
      await sql<{ sku: string; price_minor: string; stock: number | null }>`
        select sku, price_minor, stock from product_variants where product_id = ${productId} order by sku desc`.execute(db())
    ).rows
    assert.deepEqual(
      variants.map((row) => [row.sku, Number(row.price_minor), row.stock]),
      [
        [`LIN-${id}-S`, 1250, null],
        [`LIN-${id}-M`, 1400, 3],
      ],
    )
    const images = (
      await sql<{ alt: string }>`select alt from product_images where product_id = ${productId} order by position`.execute(db())
    ).rows
    assert.deepEqual(
      images.map((row) => row.alt),
      ['The shirt from the front', 'The shirt from the back'],
    )
    await page.getByLabel('Price (EUR)', { exact: true }).first().waitFor()
    assert.equal(await page.locator('#field-price_minor').inputValue(), '12.50', 'the saved price reads back in euros')
    await admin.check(tab, 'product-editor')
    await assertFits360(page, 'product-editor')

    // The list: the product with its price in the site's currency, found by search and by category.
    await page.goto(`${admin.origin}/admin/products`)
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor()
    await page.getByLabel('Search').fill(`Linen shirt ${id}`)
    await page.waitForURL(/q=/)
    const row = page.getByRole('row').filter({ hasText: `Linen shirt ${id}` })
    const euros = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(12.5)
    await row.getByRole('cell', { name: euros }).waitFor()
    await row.getByRole('cell', { name: `LIN-${id}`, exact: true }).waitFor()
    await page.getByLabel('Search').fill('')
    await page.getByLabel('Category').selectOption({ label: `Shirts ${id}` })
    await row.waitFor()
    await page.getByLabel('Price from (EUR)').fill('13')
    await page.getByText('No products match these filters.').waitFor()
    await page.getByLabel('Price from (EUR)').fill('12.50')
    await row.waitFor()
    // The order: a choice always made (no "any"), kept in the URL.
    const order = page.getByLabel('Order')
    assert.deepEqual(await order.locator('option').allTextContents(), [
      'Newest first',
      'Name, A to Z',
      'Price, low to high',
      'Price, high to low',
    ])
    await order.selectOption('price')
    await page.waitForURL(/sort=price/)
    await row.waitFor()
    await admin.check(tab, 'products')
    await assertFits360(page, 'products')

    // The public page shows the variants.
    await row.getByRole('link', { name: `Linen shirt ${id}` }).click()
    await page.getByRole('link', { name: `/products/${product?.slug}` }).click()
    await page.getByRole('heading', { level: 1, name: `Linen shirt ${id}` }).waitFor()
    const table = page.getByRole('table', { name: 'Variants' })
    await table
      .getByRole('row')
      .filter({ hasText: `LIN-${id}-S` })
      .filter({ hasText: euros })
      .waitFor()
    await table
      .getByRole('row')
      .filter({ hasText: `LIN-${id}-M` })
      .filter({ hasText: new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(14) })
      .waitFor()
  })

  test('bad input is shown next to its field: prices with too many decimals or letters, a SKU another product has', {
    timeout: 180_000,
  }, async () => {
    const editor = await admin.user('editor')
    const other = await makeProduct(admin.testApp, await signedIn(admin.testApp, 'editor'), {})
    const tab = await admin.page()
    const { page } = tab
    const id = unique()
    await signInTo(page, editor.email, '/admin/products/new', 'New product')
    await page.getByLabel('Name', { exact: true }).fill(`Mug ${id}`)
    await page.locator('#field-sku').fill(`MUG-${id}`)

    await page.getByLabel('Price (EUR)', { exact: true }).fill('12.345')
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'price_minor'), /At most 2 decimals/)
    await page.getByLabel('Price (EUR)', { exact: true }).fill('abc')
    await page.getByLabel('Compare-at price (EUR)').fill('1.5.0')
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'price_minor'), /Write an amount like 12\.50/)
    assert.match(await fieldError(page, 'compare_at_price_minor'), /Write an amount like 12\.50/)
    assert.equal(
      (await sql<{ n: number }>`select count(*)::int as n from products where sku = ${`MUG-${id}`}`.execute(db())).rows[0]?.n,
      0,
      'nothing was sent',
    )

    // An attribute's name and values are checked before sending, each message by its field.
    await page.getByLabel('Price (EUR)', { exact: true }).fill('8')
    await page.getByLabel('Compare-at price (EUR)').fill('')
    await page.getByRole('button', { name: 'Add an attribute' }).click()
    await page.getByLabel('Attribute 1 name').fill('Material')
    await page.getByLabel('Attribute 1 value').fill('stoneware')
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'attribute-0-name'), /lower-case letters/)
    await page.getByLabel('Attribute 1 name').fill('material')
    await page.getByLabel('Attribute 1 value').fill('"stone"')
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'attribute-0-value'), /starts with a letter or digit and has no quotes/)
    await page.getByLabel('Attribute 1 value').fill('stoneware, glaze')

    // The API's conflict on a variant's SKU lands next to that variant's SKU field.
    await page.getByLabel('Price (EUR)', { exact: true }).fill('8')
    await page.getByLabel('Compare-at price (EUR)').fill('')
    await page.getByRole('button', { name: 'Add an option' }).click()
    await page.getByLabel('Option 1 name').fill('colour')
    await page.getByLabel('Option 1 values').fill('white, black')
    await page.getByRole('button', { name: 'Generate variants from options' }).click()
    const black = page.getByRole('group', { name: 'Variant 2: black' })
    await black.getByLabel('SKU').fill(other.sku)
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'variants.1.sku'), /Another product or variant has this SKU/)
    await black.getByLabel('SKU').fill(`MUG-${id}-B`)
    // A variant added by hand without its option value: the API's message shows in that variant.
    await page.getByRole('button', { name: 'Add a variant' }).click()
    const third = page.getByRole('group', { name: 'Variant 3' })
    await third.getByLabel('SKU').fill(`MUG-${id}-C`)
    await page.getByRole('button', { name: 'Create product' }).click()
    await third.getByText(/option_values: must give one value for each option: colour/).waitFor()
    await third.getByRole('button', { name: 'Remove variant 3' }).click()

    // And on the product's own SKU, next to it.
    await page.locator('#field-sku').fill(other.sku)
    await page.getByRole('button', { name: 'Create product' }).click()
    assert.match(await fieldError(page, 'sku'), /Another product or variant has this SKU/)
    assert.equal(await page.locator('#field-sku').getAttribute('aria-invalid'), 'true')
    await admin.check(tab, 'product-editor-errors')

    await page.locator('#field-sku').fill(`MUG-${id}`)
    await page.getByRole('button', { name: 'Create product' }).click()
    await page.waitForURL(/\/admin\/products\/\d+$/)
    await page.getByRole('heading', { level: 1, name: `Edit “Mug ${id}”` }).waitFor()

    // A tracked stock is set once, then changed by adding or taking; taking more than there is is refused next to the field.
    await page.getByRole('group', { name: 'Stock' }).getByRole('checkbox', { name: 'Track stock' }).check()
    await page.getByLabel('In stock', { exact: true }).fill('2')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('In stock: 2').waitFor()
    await page.getByLabel('Add or take').fill('-5')
    await page.getByRole('button', { name: 'Adjust stock' }).click()
    assert.match(await fieldError(page, 'delta'), /Only 2 in stock/)
    await page.getByLabel('Add or take').fill('+3')
    await page.getByLabel('Add or take').press('Enter')
    await page.getByText('In stock: 5').waitFor()
    const stockOf = async () =>
      (await sql<{ stock: number | null }>`select stock from products where sku = ${`MUG-${id}`}`.execute(db())).rows[0]?.stock
    assert.equal(await stockOf(), 5)
    // A later save leaves the stock alone (nothing else changed: nothing is sent).
    await page.getByLabel('Name', { exact: true }).fill(`Mug ${id} (large)`)
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('heading', { level: 1, name: `Edit “Mug ${id} (large)”` }).waitFor()
    assert.equal(await stockOf(), 5)

    // Deleting asks first.
    await page.getByRole('button', { name: 'Delete product' }).click()
    await page
      .getByRole('dialog', { name: `Delete “Mug ${id} (large)”?` })
      .getByRole('button', { name: 'Delete product' })
      .click()
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor()
    assert.equal((await sql<{ n: number }>`select count(*)::int as n from products where sku = ${`MUG-${id}`}`.execute(db())).rows[0]?.n, 0)
    assert.deepEqual(tab.problems, [])
  })

  test('leaving a product with unsaved changes asks first (a sidebar link, Back); a saved one leaves at once', async () => {
    const editor = await admin.user('editor')
    const name = `Lamp ${unique()}`
    const product = await makeProduct(admin.testApp, await signedIn(admin.testApp, 'editor'), { name })
    const tab = await admin.page()
    const { page } = tab
    await signInTo(page, editor.email, '/admin/products', 'Products')
    await page.getByRole('link', { name, exact: true }).click()
    await page.getByRole('heading', { level: 1, name: `Edit “${name}”` }).waitFor()
    const nameField = page.getByLabel('Name', { exact: true })
    await assertLeaveGuard(tab, 'product-editor-leave', {
      heading: /^Edit “/,
      listHeading: 'Products',
      away: { link: 'Media', heading: 'Media' },
      edit: () => nameField.fill(`${name} (renamed)`),
      edited: async () => (await nameField.inputValue()) === `${name} (renamed)`,
      save: async () => {
        await page.getByRole('button', { name: 'Save changes' }).click()
        await page
          .getByRole('status')
          .filter({ hasText: /Saved$/ })
          .waitFor()
      },
    })
    const [row] = (await sql<{ name: string }>`select name from products where id = ${product.id}`.execute(db())).rows
    assert.equal(row?.name, `${name} (renamed)`)
  })

  test('an author sees no Shop navigation and gets the "needs the editor role" screen', async () => {
    const author = await admin.user('author')
    const tab = await admin.page()
    await admin.signIn(tab.page, author.email)
    const nav = tab.page.getByRole('navigation', { name: 'Admin' })
    await nav.getByRole('link', { name: 'Posts' }).waitFor()
    const links = await nav.getByRole('link').allTextContents()
    for (const shop of ['Products', 'Product categories']) assert.ok(!links.includes(shop), `no ${shop} for an author: ${links.join(', ')}`)
    await tab.page.goto(`${admin.origin}/admin/products`)
    await tab.page.getByText('This screen needs the editor role or higher.').waitFor()
    await tab.page.goto(`${admin.origin}/admin/product-categories`)
    await tab.page.getByText('This screen needs the editor role or higher.').waitFor()
    await admin.check(tab, 'products-needs-editor')
  })
})
