import { type Static, Type } from 'typebox'
import { Id, PageQuery, QueryString, TotalQuery } from '#core/http/schemas.ts'

/** The states of a product: only `active` ones are on the site and in anonymous lists. Defined here only. */
export const ProductStatus = Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('archived')])
export type ProductStatus = Static<typeof ProductStatus>

const Slug = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' })

/**
 * An amount of money in integer minor units of the site's currency (cents for
 * EUR/USD, yen for JPY): a JSON integer, never a fraction (decision 0020). The
 * upper bound keeps every sum of a few amounts exact in a JS number and in bigint.
 */
export const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'integer minor units of the site currency' })
const StockLevel = Type.Integer({ minimum: 0, maximum: 2_147_483_647 })

/**
 * Attribute names and values are what list filters (`attr.<name>=<value>`) and
 * facets are made of, so they are kept to characters that read the same in a
 * URL, a form and a facet: a name is lower-case ASCII; a value starts with a
 * letter or digit and has no quotes, `;`, `=`, `,`, `<`, `>` or backslash (a comma
 * separates several values in a filter).
 */
export const ATTRIBUTE_NAME = '[a-z][a-z0-9_]{0,39}'
export const ATTRIBUTE_VALUE = '[\\p{L}\\p{N}][\\p{L}\\p{N} ._/+&%#()-]{0,99}'
export const MAX_ATTRIBUTES = 30
const AttributeValue = Type.String({ pattern: `^${ATTRIBUTE_VALUE}$` })
const AttributeValues = Type.Union([AttributeValue, Type.Array(AttributeValue, { minItems: 1, maxItems: 20, uniqueItems: true })])
export type Attributes = Record<string, string | string[]>
/** Free-form attributes: `{"colour": "red", "size": ["S", "M"]}`. */
export const Attributes = Type.Unsafe<Attributes>({
  type: 'object',
  patternProperties: { [`^${ATTRIBUTE_NAME}$`]: AttributeValues },
  additionalProperties: false,
  maxProperties: MAX_ATTRIBUTES,
  description: `name (${ATTRIBUTE_NAME}) → a value or a list of values`,
})

const OptionName = Type.String({ pattern: `^${ATTRIBUTE_NAME}$` })
const OptionValue = Type.String({ minLength: 1, maxLength: 50, pattern: '^\\S(.*\\S)?$' })
export const ProductOption = Type.Object(
  { name: OptionName, values: Type.Array(OptionValue, { minItems: 1, maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
)
export type ProductOption = Static<typeof ProductOption>

const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'unique across products and variants' })
export const VariantInput = Type.Object(
  {
    sku: Sku,
    price_minor: Money,
    stock: Type.Optional(Type.Union([StockLevel, Type.Null()])),
    option_values: Type.Unsafe<Record<string, string>>({
      type: 'object',
      patternProperties: { [`^${ATTRIBUTE_NAME}$`]: OptionValue },
      additionalProperties: false,
      maxProperties: 3,
      description: 'one value per option of the product',
    }),
  },
  { additionalProperties: false },
)
export type VariantInput = Static<typeof VariantInput>

export const ImageInput = Type.Object(
  { media_id: Id, alt: Type.String({ maxLength: 500, description: 'this image’s alt text in this product' }) },
  { additionalProperties: false },
)

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
const writeFields = {
  sku: Sku,
  name: Name,
  slug: Slug(200),
  description: Type.String({ maxLength: 100_000, description: 'Markdown; rendered and sanitised at save time' }),
  status: ProductStatus,
  price_minor: Money,
  compare_at_price_minor: Type.Union([Money, Type.Null()]),
  stock: Type.Union([StockLevel, Type.Null()], { description: 'null: not tracked (always available)' }),
  attributes: Attributes,
  options: Type.Array(ProductOption, { maxItems: 3 }),
  variants: Type.Array(VariantInput, { maxItems: 100, description: 'replaces all variants when sent' }),
  category_ids: Type.Array(Id, { maxItems: 20, uniqueItems: true }),
  images: Type.Array(ImageInput, { maxItems: 20, description: 'in display order; replaces all images when sent' }),
}
const optional = Object.fromEntries(Object.entries(writeFields).map(([key, schema]) => [key, Type.Optional(schema)])) as {
  [K in keyof typeof writeFields]: ReturnType<typeof Type.Optional<(typeof writeFields)[K]>>
}

export const ProductCreate = Type.Object(
  { ...optional, sku: writeFields.sku, name: writeFields.name, price_minor: writeFields.price_minor },
  { additionalProperties: false },
)
export type ProductCreate = Static<typeof ProductCreate>
export const ProductPatch = Type.Object(optional, { additionalProperties: false, minProperties: 1 })
export type ProductPatch = Static<typeof ProductPatch>

export const StockBody = Type.Object(
  {
    delta: Type.Integer({
      minimum: -1_000_000,
      maximum: 1_000_000,
      not: { const: 0 },
      description: 'added to the stock; negative to take',
    }),
    variant_id: Type.Optional(Id),
  },
  { additionalProperties: false },
)

export const SORTS = ['price', '-price', 'name', '-created_at', 'relevance'] as const
export type ProductSortName = (typeof SORTS)[number]

/** The query of GET /api/v1/products. `attr.<name>` keys are dynamic: their names are checked by pattern here and against the catalog's attributes by the service. */
export const ProductListQuery = (() => {
  const schema = QueryString({
    ...PageQuery,
    ...TotalQuery,
    sort: Type.Union(
      SORTS.map((s) => Type.Literal(s)),
      { default: '-created_at', description: 'price, -price, name, -created_at (newest); relevance needs q' },
    ),
    slug: Type.Optional(Slug(200)),
    status: Type.Optional(ProductStatus),
    category: Type.Optional(Slug(100)),
    price_min: Type.Optional(Money),
    price_max: Type.Optional(Money),
    in_stock: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    facets: Type.Optional(
      Type.String({
        pattern: `^${ATTRIBUTE_NAME}(,${ATTRIBUTE_NAME}){0,9}$`,
        description: 'comma-separated: category, price and attribute names; each counted without its own filter',
      }),
    ),
  })
  const attr = schema as unknown as Record<string, unknown>
  // `attr.colour=red,blue` or repeated keys: several values of one attribute are OR, attributes AND.
  attr.patternProperties = {
    [`^attr\\.${ATTRIBUTE_NAME}$`]: Type.Array(Type.String({ pattern: `^${ATTRIBUTE_VALUE}(,${ATTRIBUTE_VALUE})*$` }), {
      maxItems: 20,
    }),
  }
  attr.maxProperties = 40
  return schema as typeof schema & { [key: `attr.${string}`]: string[] | undefined }
})()

const Image = Type.Object({
  media_id: Type.Integer(),
  url: Type.String(),
  alt: Type.String(),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  srcset: Type.Array(Type.Object({ type: Type.String(), srcset: Type.String() })),
})
const CategoryRef = Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() })
const Variant = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  price: Type.Object({ amount_minor: Type.Integer(), currency: Type.String() }),
  stock: Type.Union([Type.Integer(), Type.Null()]),
  in_stock: Type.Boolean(),
  option_values: Type.Record(Type.String(), Type.String()),
})
const Price = Type.Object({ amount_minor: Type.Integer(), currency: Type.String({ description: 'ISO 4217' }) })

export const Product = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  status: ProductStatus,
  price: Price,
  compare_at_price: Type.Union([Price, Type.Null()]),
  stock: Type.Union([Type.Integer(), Type.Null()], { description: 'null: not tracked' }),
  in_stock: Type.Boolean(),
  attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
  options: Type.Array(Type.Object({ name: Type.String(), values: Type.Array(Type.String()) })),
  images: Type.Array(Image),
  description: Type.Optional(Type.String()),
  description_html: Type.Optional(Type.String({ description: 'the sanitised rendering of description' })),
  categories: Type.Optional(Type.Array(CategoryRef)),
  variants: Type.Optional(Type.Array(Variant)),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})

const FacetValue = Type.Object({ value: Type.String(), count: Type.Integer() })
export const Facets = Type.Object({
  category: Type.Optional(
    Type.Array(Type.Object({ ...CategoryRef.properties, parent_id: Type.Union([Type.Integer(), Type.Null()]), count: Type.Integer() })),
  ),
  price: Type.Optional(
    Type.Array(Type.Object({ min_minor: Type.Integer(), max_minor: Type.Union([Type.Integer(), Type.Null()]), count: Type.Integer() }), {
      description: 'buckets [min, max); max null is open-ended',
    }),
  ),
  attributes: Type.Optional(Type.Record(Type.String(), Type.Array(FacetValue))),
})

export const ProductPage = Type.Object({
  data: Type.Array(Product),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  total: Type.Optional(Type.Integer({ minimum: 0, description: 'with `?include_total=true`: the items the filters select, on all pages' })),
  facets: Type.Optional(Facets),
})

export const StockResult = Type.Object({ id: Type.Integer(), variant_id: Type.Union([Type.Integer(), Type.Null()]), stock: Type.Integer() })

// --- categories -----------------------------------------------------------

export const Category = Type.Object({
  id: Type.Integer(),
  parent_id: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  position: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
const categoryFields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  slug: Slug(100),
  description: Type.String({ maxLength: 2000 }),
  parent_id: Type.Union([Id, Type.Null()]),
  position: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
}
export const CategoryCreate = Type.Object(
  {
    name: categoryFields.name,
    slug: Type.Optional(categoryFields.slug),
    description: Type.Optional(categoryFields.description),
    parent_id: Type.Optional(categoryFields.parent_id),
    position: Type.Optional(categoryFields.position),
  },
  { additionalProperties: false },
)
export type CategoryCreate = Static<typeof CategoryCreate>
export const CategoryPatch = Type.Partial(Type.Object(categoryFields), { additionalProperties: false, minProperties: 1 })
export type CategoryPatch = Static<typeof CategoryPatch>
export const CategoryListQuery = QueryString({ ...PageQuery, ...TotalQuery, slug: Type.Optional(Slug(100)) })
