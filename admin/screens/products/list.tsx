// The products list (/admin/products): search, status, category, in stock and price range
// filters (the API's), cursor paging; prices in the site's currency. The filters live in the
// URL, so a list can be linked and Back returns to it as it was.
import { useEffect, useState } from 'preact/hooks'
import { type FormProblem, hasRole } from '../../api.ts'
import { Link, setQuery, useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice, useQuerySearch } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { type Money, parseMoney } from './money.ts'
import {
  listProducts,
  loadCategoryTree,
  type Product,
  type ProductQuery,
  SORTS,
  STATUS_LABELS,
  siteMoney,
  type TreeCategory,
} from './products-api.ts'

export default function ProductList() {
  const { me } = useSession()
  const query = useLocation().query
  const [money, setMoney] = useState<Money | undefined>(undefined)
  const [tree, setTree] = useState<TreeCategory[]>([])
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  useEffect(() => {
    siteMoney().then(setMoney, setProblem)
    loadCategoryTree().then(setTree, setProblem)
  }, [])

  const q = query.get('q') ?? ''
  const sort = queryChoice(query, 'sort', SORTS) ?? '-created_at'
  const status = queryChoice(query, 'status', STATUS_LABELS)
  const category = query.get('category') ?? ''
  const stock = query.get('in_stock')
  const [typedQ, setTypedQ] = useQuerySearch(q)
  const [typedMin, setTypedMin] = useQuerySearch(query.get('price_min') ?? '', 'price_min')
  const [typedMax, setTypedMax] = useQuerySearch(query.get('price_max') ?? '', 'price_max')
  // Price bounds are typed in major units and checked here: a bad one is shown by its box and left out.
  const bound = (text: string) => (text && money ? parseMoney(text, money.digits) : undefined)
  const min = bound(query.get('price_min') ?? '')
  const max = bound(query.get('price_max') ?? '')

  const filters: ProductQuery = {
    sort,
    q: q || undefined,
    status,
    category: category || undefined,
    in_stock: stock === 'yes' ? true : stock === 'no' ? false : undefined,
    price_min: min && 'minor' in min ? min.minor : undefined,
    price_max: max && 'minor' in max ? max.minor : undefined,
  }
  const list = usePagedList((cursor) => listProducts(filters, cursor), JSON.stringify(filters))
  const filtered = Object.entries(filters).some(([key, value]) => key !== 'sort' && value !== undefined)
  const price = (minor: number) => (money ? money.format(minor) : '')

  return (
    <section class="product-list">
      <div class="screen-head">
        <h1>Products</h1>
        {hasRole(me?.role, 'editor') ? (
          <Link class="button primary" href="/admin/products/new">
            New product
          </Link>
        ) : null}
      </div>
      <form class="filters" aria-label="Filter products" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Search"
          name="q"
          type="search"
          value={typedQ}
          hint="Words in the name or description"
          onInput={(event) => setTypedQ(event.currentTarget.value)}
        />
        <QuerySelect label="Status" name="status" any="Any status" choices={STATUS_LABELS} value={status} />
        <Field
          as="select"
          label="Category"
          name="category"
          value={category}
          onChange={(event) => setQuery({ category: event.currentTarget.value || undefined })}
        >
          <option value="">Any category</option>
          {tree.map((item) => (
            <option value={item.slug} key={item.id}>
              {`${'\u2003'.repeat(item.depth)}${item.name}`}
            </option>
          ))}
        </Field>
        <Field
          as="select"
          label="Stock"
          name="in_stock"
          value={stock === 'yes' || stock === 'no' ? stock : ''}
          onChange={(event) => setQuery({ in_stock: event.currentTarget.value || undefined })}
        >
          <option value="">In stock or not</option>
          <option value="yes">In stock</option>
          <option value="no">Out of stock</option>
        </Field>
        <Field
          label={`Price from${money ? ` (${money.currency})` : ''}`}
          name="price_min"
          inputMode="decimal"
          value={typedMin}
          error={min && 'error' in min ? min.error : undefined}
          onInput={(event) => setTypedMin(event.currentTarget.value)}
        />
        <Field
          label={`Price up to${money ? ` (${money.currency})` : ''}`}
          name="price_max"
          inputMode="decimal"
          value={typedMax}
          error={max && 'error' in max ? max.error : undefined}
          onInput={(event) => setTypedMax(event.currentTarget.value)}
        />
        <QuerySelect label="Order" name="sort" choices={SORTS} value={sort} />
      </form>
      <FormError message={problem?.message ?? list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading products…" />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No products match these filters.' : 'No products yet.'}>
          {filtered ? null : <p>Add the first one with “New product”.</p>}
        </EmptyState>
      ) : (
        <Table<Product>
          caption="Products"
          rows={list.items}
          rowKey={(product) => product.id}
          columns={[
            {
              header: 'Name',
              cell: (product) => (
                <Link href={`/admin/products/${product.id}`} class="row-title">
                  {product.name}
                </Link>
              ),
            },
            { header: 'SKU', cell: (product) => <code>{product.sku}</code> },
            {
              header: 'Status',
              cell: (product) => <span class={`status status-${product.status}`}>{STATUS_LABELS[product.status]}</span>,
            },
            {
              header: 'Price',
              class: 'num',
              cell: (product) => price(product.price.amount_minor),
            },
            {
              header: 'Stock',
              class: 'num',
              cell: (product) => (product.stock === null ? 'Not tracked' : product.in_stock ? String(product.stock) : 'Out of stock'),
            },
          ]}
        />
      )}
      <Pager list={list} label="Product pages" />
    </section>
  )
}
