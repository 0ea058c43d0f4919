// The product editor (/admin/products/:id; `new` for a new one): name, slug, SKU, status,
// Markdown description, price and compare-at price in the site's currency, stock, categories
// from the tree, images from the media library with alt text (ordered by drag or buttons),
// attributes, options and variants; save, delete. Mistakes found before sending and the API's
// field errors both show next to their field.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { FormProblem } from '../../api.ts'
import { Link, navigate } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { LeaveGuard } from '../../ui/leave-guard.tsx'
import { LoadFailed } from '../../ui/load-failed.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import { useSubmit } from '../../ui/use-submit.ts'
import type { Money } from './money.ts'
import { type Body, bodyOf, changesOf, EMPTY_FORM, formOf, type ProductForm } from './product-form.ts'
import { AttributesSection, ImagesSection, VariantsSection } from './product-parts.tsx'
import {
  adjustStock,
  createProduct,
  deleteProduct,
  getProduct,
  loadCategoryTree,
  type Product,
  STATUS_LABELS,
  STATUSES,
  siteMoney,
  type TreeCategory,
  updateProduct,
} from './products-api.ts'

export default function ProductEditor({ params }: ScreenProps) {
  const isNew = params.id === 'new'
  const id = isNew ? undefined : Number(params.id)
  const [product, setProduct] = useState<Product | undefined>(undefined)
  const [money, setMoney] = useState<Money | undefined>(undefined)
  const [tree, setTree] = useState<TreeCategory[] | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<string | undefined>(undefined)

  useEffect(() => {
    setProduct(undefined)
    setLoadProblem(undefined)
    const failed = (problem: FormProblem) => setLoadProblem(problem.message)
    siteMoney().then(setMoney, failed)
    loadCategoryTree().then(setTree, failed)
    if (id === undefined) return
    if (!Number.isSafeInteger(id) || id < 1) {
      setLoadProblem(`There is no product ${params.id}.`)
      return
    }
    getProduct(id).then(setProduct, failed)
  }, [id])

  if (loadProblem) {
    return <LoadFailed title="Product" message={loadProblem} back="/admin/products" backLabel="Back to the products" />
  }
  if (!money || !tree || (!isNew && !product)) return <Progress label="Loading the product…" />
  return <EditorForm key={product?.id ?? 'new'} initial={product} money={money} tree={tree} />
}

function EditorForm({ initial, money, tree }: { initial: Product | undefined; money: Money; tree: TreeCategory[] }) {
  const [product, setProduct] = useState<Product | undefined>(initial)
  const [form, setFormState] = useState<ProductForm>(initial ? formOf(initial, money.digits) : EMPTY_FORM)
  const saved = useRef<Body | undefined>(initial ? bodyOf(formOf(initial, money.digits), money.digits).body : undefined)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [dirty, setDirty] = useState(false)
  const setForm = (update: (form: ProductForm) => ProductForm) => {
    setFormState(update)
    setDirty(true)
  }
  const set =
    (key: 'name' | 'slug' | 'sku' | 'description' | 'price' | 'compare' | 'stock') => (event: { currentTarget: { value: string } }) => {
      const value = event.currentTarget.value
      setForm((current) => ({ ...current, [key]: value }))
    }

  // Mistakes found here are answered as a problem, like the API's, so they show the same way (by their field).
  const saving = useSubmit(async () => {
    deleting.setProblem(undefined)
    const { body, errors } = bodyOf(form, money.digits)
    if (Object.keys(errors).length > 0) return { message: 'Some fields need a change before saving.', fields: errors }
    if (product === undefined) {
      const result = await createProduct(body)
      setDirty(false)
      toast(`Created “${result.name}”.`)
      navigate(`/admin/products/${result.id}`, { replace: true })
      return undefined
    }
    const changes = saved.current ? changesOf(saved.current, body) : body
    if (Object.keys(changes).length === 0) {
      toast('Nothing to save.')
      return undefined
    }
    const result = await updateProduct(product.id, changes)
    setProduct(result)
    const fresh = formOf(result, money.digits)
    saved.current = bodyOf(fresh, money.digits).body
    // The server's slug (made from the name when left empty) shows in the form.
    setFormState((current) => ({ ...current, slug: fresh.slug }))
    setDirty(false)
    toast('Saved.')
    return undefined
  })

  const deleting = useSubmit(async () => {
    saving.setProblem(undefined)
    if (!product) return
    try {
      await deleteProduct(product.id)
      setDirty(false)
      toast(`Deleted “${product.name}”.`)
      navigate('/admin/products')
    } finally {
      setConfirmDelete(false)
    }
  })

  const problem = deleting.problem ?? saving.problem
  const busy = saving.busy ? 'save' : deleting.busy ? 'delete' : undefined
  const fields = saving.problem?.fields ?? {}
  const placed =
    /^(name|slug|sku|status|description|price_minor|compare_at_price_minor|stock|category_ids)$|^(images|attributes|options|variants)(\.|$)|^attribute-\d+-name$/
  const unplaced = Object.entries(fields).filter(([field]) => !placed.test(field))
  const disabled = busy !== undefined
  const categoryIds = new Set(form.category_ids)

  return (
    <section class="product-editor">
      <div class="screen-head">
        <h1>{product ? `Edit “${product.name}”` : 'New product'}</h1>
        <p class="save-state" role="status">
          {product ? <span class={`status status-${product.status}`}>{STATUS_LABELS[product.status]}</span> : null}{' '}
          {dirty ? 'Unsaved changes' : product ? 'Saved' : ''}
        </p>
      </div>
      {product?.status === 'active' ? (
        <p class="live-link">
          On the site: <a href={`/products/${product.slug}`}>/products/{product.slug}</a>
        </p>
      ) : null}
      <FormError
        message={
          // A summary at the top (the field may be far down), unless it only repeats the one field's own message (a conflict).
          problem?.message &&
          !(unplaced.length === 0 && Object.values(fields).length > 0 && Object.values(fields).every((m) => m === problem.message))
            ? [problem.message, ...unplaced.map(([field, message]) => `${field}: ${message}`)].join(' ')
            : undefined
        }
      />
      <form class="editor-form product-form" onSubmit={saving.submit}>
        <div class="editor-main">
          <Field label="Name" name="name" value={form.name} required maxLength={200} error={fields.name} onInput={set('name')} />
          <div class="field-pair">
            <Field
              label="SKU"
              name="sku"
              value={form.sku}
              required
              maxLength={64}
              hint="Unique in the shop"
              error={fields.sku}
              onInput={set('sku')}
            />
            <Field
              label="Slug"
              name="slug"
              value={form.slug}
              maxLength={200}
              hint={product ? 'The address on the site' : 'Made from the name when left empty'}
              error={fields.slug}
              onInput={set('slug')}
            />
          </div>
          <div class="field-pair">
            <Field
              label={`Price (${money.currency})`}
              name="price_minor"
              inputMode="decimal"
              required
              value={form.price}
              hint={`Like ${money.digits === 0 ? '1250' : `12.${'5'.padEnd(money.digits, '0')}`}`}
              error={fields.price_minor}
              onInput={set('price')}
            />
            <Field
              label={`Compare-at price (${money.currency})`}
              name="compare_at_price_minor"
              inputMode="decimal"
              value={form.compare}
              hint="The old price, shown struck out; optional"
              error={fields.compare_at_price_minor}
              onInput={set('compare')}
            />
          </div>
          <Field
            as="textarea"
            label="Description"
            name="description"
            rows={8}
            value={form.description}
            hint="Markdown"
            error={fields.description}
            onInput={set('description')}
          />
          <ImagesSection images={form.images} setForm={setForm} fields={fields} disabled={disabled} />
          <VariantsSection form={form} setForm={setForm} fields={fields} disabled={disabled} currency={money.currency} />
          <AttributesSection attributes={form.attributes} setForm={setForm} fields={fields} disabled={disabled} />
        </div>
        <aside class="editor-side" aria-label="Product settings">
          <div class="actions">
            <Button type="submit" variant="primary" busy={busy === 'save'}>
              {product ? 'Save changes' : 'Create product'}
            </Button>
          </div>
          <Field
            as="select"
            label="Status"
            name="status"
            value={form.status}
            hint="Only active products are on the site"
            error={fields.status}
            onChange={(event) => {
              const status = STATUSES.find((value) => value === event.currentTarget.value) ?? 'draft'
              setForm((current) => ({ ...current, status }))
            }}
          >
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {STATUS_LABELS[value]}
              </option>
            ))}
          </Field>
          <fieldset>
            <legend>Stock</legend>
            {product && product.stock !== null && form.tracked ? (
              <StockAdjuster
                product={product}
                onAdjusted={(stock) => {
                  // The new level is the saved one: a later save does not send (and overwrite) it.
                  setProduct({ ...product, stock, in_stock: stock > 0 })
                  if (saved.current) saved.current = { ...saved.current, stock }
                  setFormState((current) => ({ ...current, stock: String(stock) }))
                }}
              />
            ) : null}
            <div class="field checkbox-field">
              <label>
                <input
                  type="checkbox"
                  checked={form.tracked}
                  onChange={(event) => {
                    const tracked = event.currentTarget.checked
                    setForm((current) => ({ ...current, tracked, stock: current.stock || '0' }))
                  }}
                />{' '}
                Track stock
              </label>
            </div>
            {form.tracked && product?.stock !== null && product !== undefined ? null : form.tracked ? (
              <Field label="In stock" name="stock" inputMode="numeric" value={form.stock} error={fields.stock} onInput={set('stock')} />
            ) : (
              <p class="hint">Not tracked: always available.</p>
            )}
          </fieldset>
          <fieldset class="category-choices" aria-describedby={fields.category_ids ? 'category-ids-error' : undefined}>
            <legend>Categories</legend>
            {tree.length === 0 ? (
              <p class="hint">
                No categories yet: make them in <Link href="/admin/product-categories">Categories</Link>.
              </p>
            ) : (
              <ul class="tree-choices">
                {tree.map((category) => (
                  <li key={category.id} class={`depth-${Math.min(category.depth, 5)}`}>
                    <label>
                      <input
                        type="checkbox"
                        checked={categoryIds.has(category.id)}
                        onChange={(event) => {
                          const checked = event.currentTarget.checked
                          setForm((current) => ({
                            ...current,
                            category_ids: checked
                              ? [...current.category_ids, category.id]
                              : current.category_ids.filter((value) => value !== category.id),
                          }))
                        }}
                      />{' '}
                      {category.name}
                    </label>
                  </li>
                ))}
              </ul>
            )}
            {fields.category_ids ? (
              <p class="error" id="category-ids-error">
                {fields.category_ids}
              </p>
            ) : null}
          </fieldset>
          {product ? (
            <div class="actions danger-zone">
              <Button variant="danger" onClick={() => setConfirmDelete(true)} disabled={disabled}>
                Delete product
              </Button>
            </div>
          ) : null}
        </aside>
      </form>
      <Confirm
        open={confirmDelete}
        title={`Delete “${product?.name ?? ''}”?`}
        confirmLabel="Delete product"
        danger
        busy={busy === 'delete'}
        onConfirm={() => void deleting.submit()}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>
          The product, its variants and its place in categories are deleted; its images stay in the media library. This cannot be undone.
        </p>
      </Confirm>
      <LeaveGuard dirty={dirty} message="The changes to this product are not saved yet." />
    </section>
  )
}

/**
 * A tracked stock changes by adding or taking (POST /api/v1/products/{id}/stock), not by
 * writing a new level: sales that happen while the form is open are not overwritten.
 */
function StockAdjuster({ product, onAdjusted }: { product: Product; onAdjusted: (stock: number) => void }) {
  const [delta, setDelta] = useState('')
  const { busy, problem, submit } = useSubmit(async () => {
    const text = delta.trim().replace(/^\+/, '')
    if (!/^-?\d{1,7}$/.test(text) || Number(text) === 0) {
      return { message: '', fields: { delta: 'Give a whole number to add, like 5, or to take, like -2.' } }
    }
    const result = await adjustStock(product.id, Number(text))
    onAdjusted(result.stock)
    setDelta('')
    toast(`Stock is now ${result.stock}.`)
    return undefined
  })
  return (
    <div class="stock-adjuster">
      <p>
        In stock: <strong>{product.stock}</strong>
      </p>
      <Field
        label="Add or take"
        name="delta"
        inputMode="numeric"
        value={delta}
        hint="5 adds five; -2 takes two"
        error={problem ? (problem.fields.delta ?? problem.message) : undefined}
        onInput={(event) => setDelta(event.currentTarget.value)}
        onKeyDown={(event) => {
          // Enter adjusts here instead of submitting the whole product form.
          if (event.key === 'Enter') {
            void submit(event)
          }
        }}
      />
      <Button busy={busy} onClick={() => void submit()}>
        Adjust stock
      </Button>
    </div>
  )
}
