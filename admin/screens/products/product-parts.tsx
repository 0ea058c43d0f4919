// Parts of the product editor with rows: images (reordered by drag, or by the Move up /
// Move down buttons: drag alone is not accessible), attributes, options and variants.
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'
import type { Media } from '../media/media-api.ts'
import { MediaPicker } from '../media/picker.tsx'
import {
  type AttributeRow,
  combinations,
  type ImageRow,
  listOf,
  type OptionRow,
  type ProductForm,
  rowKey,
  type VariantRow,
  variantSku,
} from './product-form.ts'

/** The API's messages for fields under `prefix` (itself or `prefix.…`) that no field of a row shows. */
export function sectionErrors(fields: Record<string, string>, prefix: string, shown: (field: string) => boolean): string | undefined {
  const messages = Object.entries(fields)
    .filter(([field]) => (field === prefix || field.startsWith(`${prefix}.`)) && !shown(field))
    .map(([field, message]) => (field === prefix ? message : `${field.slice(prefix.length + 1)}: ${message}`))
  return messages.length > 0 ? messages.join(' ') : undefined
}

function SectionError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p class="error" id={id} role="alert">
      {message}
    </p>
  ) : null
}

function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length || from === to) return list
  const copy = [...list]
  const [item] = copy.splice(from, 1)
  if (item !== undefined) copy.splice(to, 0, item)
  return copy
}

type SetForm = (update: (form: ProductForm) => ProductForm) => void

export function ImagesSection({
  images,
  setForm,
  fields,
  disabled,
}: {
  images: ImageRow[]
  setForm: SetForm
  fields: Record<string, string>
  disabled: boolean
}) {
  const [picking, setPicking] = useState(false)
  const [dragged, setDragged] = useState<number | undefined>(undefined)
  const [said, setSaid] = useState('')
  // After a move by keyboard, focus follows the image to its new place.
  const focusAfter = useRef<string | undefined>(undefined)
  useLayoutEffect(() => {
    if (!focusAfter.current) return
    document.getElementById(focusAfter.current)?.focus()
    focusAfter.current = undefined
  })
  const setImages = (update: (images: ImageRow[]) => ImageRow[]) => setForm((form) => ({ ...form, images: update(form.images) }))
  const moveImage = (from: number, to: number, focus?: string) => {
    if (to < 0 || to >= images.length) return
    focusAfter.current = focus
    setImages((list) => move(list, from, to))
    setSaid(`Image moved to position ${to + 1} of ${images.length}.`)
  }
  const shown = (field: string) => /^images\.\d+\.alt$/.test(field)

  return (
    <fieldset class="product-images">
      <legend>Images</legend>
      <p class="hint">The first image is the product’s main image. Drag to reorder, or use the move buttons.</p>
      <SectionError id="images-error" message={sectionErrors(fields, 'images', shown)} />
      {images.length === 0 ? <p class="hint">No images yet.</p> : null}
      <ol class="image-rows">
        {images.map((image, i) => (
          <li
            key={image.key}
            class={dragged === i ? 'image-row dragging' : 'image-row'}
            onDragOver={(event) => event.preventDefault()}
            onDrop={(event) => {
              event.preventDefault()
              if (dragged !== undefined) moveImage(dragged, i)
              setDragged(undefined)
            }}
          >
            {/* The picture is the drag handle (a draggable row would take the mouse's text selection in the alt field). */}
            {/* biome-ignore lint/a11y/noStaticElementInteractions: dragging is the mouse's shortcut; the Up and Down buttons are the accessible way */}
            <img
              src={image.url}
              alt=""
              class="image-thumb"
              draggable={!disabled}
              onDragStart={(event) => {
                setDragged(i)
                event.dataTransfer?.setData('text/plain', String(i))
              }}
              onDragEnd={() => setDragged(undefined)}
            />
            <Field
              label={`Alt text of image ${i + 1}`}
              name={`images.${i}.alt`}
              value={image.alt}
              maxLength={500}
              error={fields[`images.${i}.alt`]}
              disabled={disabled}
              onInput={(event) => {
                const alt = event.currentTarget.value
                setImages((list) => list.map((row) => (row.key === image.key ? { ...row, alt } : row)))
              }}
            />
            <div class="actions row-actions">
              <Button
                id={`image-${image.key}-up`}
                disabled={disabled || i === 0}
                aria-label={`Move image ${i + 1} up`}
                onClick={() => moveImage(i, i - 1, i - 1 === 0 ? `image-${image.key}-down` : `image-${image.key}-up`)}
              >
                ↑ Up
              </Button>
              <Button
                id={`image-${image.key}-down`}
                disabled={disabled || i === images.length - 1}
                aria-label={`Move image ${i + 1} down`}
                onClick={() => moveImage(i, i + 1, i + 1 === images.length - 1 ? `image-${image.key}-up` : `image-${image.key}-down`)}
              >
                ↓ Down
              </Button>
              <Button
                disabled={disabled}
                aria-label={`Remove image ${i + 1}`}
                onClick={() => setImages((list) => list.filter((row) => row.key !== image.key))}
              >
                Remove
              </Button>
            </div>
          </li>
        ))}
      </ol>
      <p class="visually-hidden" role="status">
        {said}
      </p>
      <Button onClick={() => setPicking(true)} disabled={disabled || images.length >= 20}>
        Add an image
      </Button>
      <MediaPicker
        open={picking}
        onClose={() => setPicking(false)}
        onPick={(media: Media) => {
          setImages((list) => [...list, { key: rowKey(), media_id: media.id, url: media.url, alt: media.alt }])
          setPicking(false)
        }}
      />
    </fieldset>
  )
}

export function AttributesSection({
  attributes,
  setForm,
  fields,
  disabled,
}: {
  attributes: AttributeRow[]
  setForm: SetForm
  fields: Record<string, string>
  disabled: boolean
}) {
  const set = (key: number, change: Partial<AttributeRow>) =>
    setForm((form) => ({ ...form, attributes: form.attributes.map((row) => (row.key === key ? { ...row, ...change } : row)) }))
  return (
    <fieldset class="product-attributes">
      <legend>Attributes</legend>
      <p class="hint">Shown on the product page and used by the shop’s filters. Several values, comma-separated, make a list.</p>
      <SectionError
        id="attributes-error"
        message={sectionErrors(fields, 'attributes', (field) => attributes.some((row) => field === `attributes.${row.name.trim()}`))}
      />
      {attributes.map((row, i) => (
        <div class="pair-row" key={row.key}>
          <Field
            label={`Attribute ${i + 1} name`}
            name={`attribute-${i}-name`}
            value={row.name}
            hint="Lower case, like material"
            error={fields[`attribute-${i}-name`]}
            disabled={disabled}
            onInput={(event) => set(row.key, { name: event.currentTarget.value })}
          />
          <Field
            label={`Attribute ${i + 1} value`}
            name={`attribute-${i}-value`}
            value={row.value}
            error={fields[`attributes.${row.name.trim()}`]}
            disabled={disabled}
            onInput={(event) => set(row.key, { value: event.currentTarget.value })}
          />
          <Button
            disabled={disabled}
            aria-label={`Remove attribute ${i + 1}`}
            onClick={() => setForm((form) => ({ ...form, attributes: form.attributes.filter((item) => item.key !== row.key) }))}
          >
            Remove
          </Button>
        </div>
      ))}
      <Button
        disabled={disabled || attributes.length >= 30}
        onClick={() => setForm((form) => ({ ...form, attributes: [...form.attributes, { key: rowKey(), name: '', value: '' }] }))}
      >
        Add an attribute
      </Button>
    </fieldset>
  )
}

export function VariantsSection({
  form,
  setForm,
  fields,
  disabled,
  currency,
}: {
  form: ProductForm
  setForm: SetForm
  fields: Record<string, string>
  disabled: boolean
  currency: string
}) {
  const options = form.options.filter((row) => row.name.trim()).map((row) => ({ name: row.name.trim(), values: listOf(row.values) }))
  const setOption = (key: number, change: Partial<OptionRow>) =>
    setForm((current) => ({ ...current, options: current.options.map((row) => (row.key === key ? { ...row, ...change } : row)) }))
  const setVariant = (key: number, change: Partial<VariantRow>) =>
    setForm((current) => ({ ...current, variants: current.variants.map((row) => (row.key === key ? { ...row, ...change } : row)) }))
  const generate = () =>
    setForm((current) => {
      const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(a) === JSON.stringify(b)
      const variants = combinations(options).map(
        (combo) =>
          current.variants.find((row) => same(row.option_values, combo)) ?? {
            key: rowKey(),
            sku: variantSku(current.sku, Object.values(combo)),
            price: current.price,
            tracked: current.tracked,
            stock: current.tracked ? '0' : '',
            option_values: combo,
          },
      )
      return { ...current, variants }
    })
  const optionShown = (field: string) => /^options\.\d+\.(name|values)(\.|$)/.test(field)
  // Each variant's own errors show in its row: its fields', and the rest (its option values, a repeated choice) under its legend.
  const variantShown = (field: string) => /^variants\.\d+(\.|$)/.test(field)
  const rowFields = (field: string) => /^variants\.\d+\.(sku|price_minor|stock)$/.test(field)

  return (
    <>
      <fieldset class="product-options">
        <legend>Options</legend>
        <p class="hint">What a buyer chooses, like size (S, M, L) or colour (red, blue); up to three.</p>
        <SectionError id="options-error" message={sectionErrors(fields, 'options', optionShown)} />
        {form.options.map((row, i) => (
          <div class="pair-row" key={row.key}>
            <Field
              label={`Option ${i + 1} name`}
              name={`options.${i}.name`}
              value={row.name}
              hint="Lower case, like size"
              error={fields[`options.${i}.name`]}
              disabled={disabled}
              onInput={(event) => setOption(row.key, { name: event.currentTarget.value })}
            />
            <Field
              label={`Option ${i + 1} values`}
              name={`options.${i}.values`}
              value={row.values}
              hint="Comma-separated"
              error={sectionErrors(fields, `options.${i}.values`, () => false)}
              disabled={disabled}
              onInput={(event) => setOption(row.key, { values: event.currentTarget.value })}
            />
            <Button
              disabled={disabled}
              aria-label={`Remove option ${i + 1}`}
              onClick={() => setForm((current) => ({ ...current, options: current.options.filter((item) => item.key !== row.key) }))}
            >
              Remove
            </Button>
          </div>
        ))}
        <div class="actions">
          <Button
            disabled={disabled || form.options.length >= 3}
            onClick={() => setForm((current) => ({ ...current, options: [...current.options, { key: rowKey(), name: '', values: '' }] }))}
          >
            Add an option
          </Button>
          <Button disabled={disabled || options.length === 0} onClick={generate}>
            Generate variants from options
          </Button>
        </div>
      </fieldset>
      <fieldset class="product-variants">
        <legend>Variants</legend>
        <p class="hint">Each combination a buyer can choose, with its own SKU, price and stock.</p>
        <SectionError id="variants-error" message={sectionErrors(fields, 'variants', variantShown)} />
        {form.variants.length === 0 ? <p class="hint">No variants: the product is sold as it is.</p> : null}
        {form.variants.map((row, i) => (
          <fieldset class="variant-row" key={row.key}>
            <legend>{`Variant ${i + 1}${Object.values(row.option_values).length ? `: ${Object.values(row.option_values).join(' / ')}` : ''}`}</legend>
            <SectionError id={`variant-${i}-error`} message={sectionErrors(fields, `variants.${i}`, rowFields)} />
            {options.map((option) => (
              <Field
                as="select"
                key={option.name}
                label={option.name}
                name={`variant-${i}-${option.name}`}
                value={row.option_values[option.name] ?? ''}
                disabled={disabled}
                onChange={(event) =>
                  setVariant(row.key, { option_values: { ...row.option_values, [option.name]: event.currentTarget.value } })
                }
              >
                <option value="">Choose</option>
                {option.values.map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </Field>
            ))}
            <Field
              label="SKU"
              name={`variants.${i}.sku`}
              value={row.sku}
              error={fields[`variants.${i}.sku`]}
              disabled={disabled}
              onInput={(event) => setVariant(row.key, { sku: event.currentTarget.value })}
            />
            <Field
              label={`Price (${currency})`}
              name={`variants.${i}.price_minor`}
              inputMode="decimal"
              value={row.price}
              error={fields[`variants.${i}.price_minor`]}
              disabled={disabled}
              onInput={(event) => setVariant(row.key, { price: event.currentTarget.value })}
            />
            <div class="field checkbox-field">
              <label>
                <input
                  type="checkbox"
                  checked={row.tracked}
                  disabled={disabled}
                  onChange={(event) => setVariant(row.key, { tracked: event.currentTarget.checked, stock: row.stock || '0' })}
                />{' '}
                Track stock
              </label>
            </div>
            {row.tracked ? (
              <Field
                label="In stock"
                name={`variants.${i}.stock`}
                inputMode="numeric"
                value={row.stock}
                error={fields[`variants.${i}.stock`]}
                disabled={disabled}
                onInput={(event) => setVariant(row.key, { stock: event.currentTarget.value })}
              />
            ) : null}
            <Button
              disabled={disabled}
              aria-label={`Remove variant ${i + 1}`}
              onClick={() => setForm((current) => ({ ...current, variants: current.variants.filter((item) => item.key !== row.key) }))}
            >
              Remove
            </Button>
          </fieldset>
        ))}
        <Button
          disabled={disabled || form.variants.length >= 100}
          onClick={() =>
            setForm((current) => ({
              ...current,
              variants: [
                ...current.variants,
                { key: rowKey(), sku: '', price: current.price, tracked: false, stock: '', option_values: {} },
              ],
            }))
          }
        >
          Add a variant
        </Button>
      </fieldset>
    </>
  )
}
