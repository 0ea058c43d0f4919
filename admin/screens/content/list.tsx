// Posts and pages lists (/admin/posts, /admin/pages): search, status and author filters,
// cursor paging with the total. The filters live in the URL, so a list can be linked and
// the browser's Back returns to it as it was.
import { useEffect, useState } from 'preact/hooks'
import { hasRole } from '../../api.ts'
import { Link, setQuery, useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { Kind, kindOf, type ListQuery, listContent, type Post, plural, STATUS_LABELS, type Status, when } from './content-api.ts'

const STATUSES = Object.keys(STATUS_LABELS) as Status[]
const SORTS = { newest: 'Newest first', updated: 'Last changed', oldest: 'Oldest first', title: 'Title, A to Z' } as const

export default function ContentList() {
  const where = useLocation()
  const { me } = useSession()
  const kind = kindOf(where.path)
  const query = where.query
  const status = STATUSES.find((value) => value === query.get('status'))
  const sort = (Object.keys(SORTS) as (keyof typeof SORTS)[]).find((value) => value === query.get('sort')) ?? 'newest'
  const author = query.get('author') === 'me' ? me?.id : undefined
  const q = query.get('q') ?? ''
  // The search box changes the URL once typing pauses, not on every key.
  const [typed, setTyped] = useState(q)
  useEffect(() => setTyped(q), [q])
  useEffect(() => {
    if (typed === q) return
    const timer = setTimeout(() => setQuery({ q: typed.trim() || undefined }, { replace: true }), 400)
    return () => clearTimeout(timer)
  }, [typed])

  const filters: ListQuery = { q: q || undefined, status, author, sort, limit: 20 }
  const list = usePagedList((cursor) => listContent(kind, { ...filters, cursor }), `${kind} ${JSON.stringify(filters)}`)
  const many = plural(kind)
  const title = kind === 'post' ? 'Posts' : 'Pages'
  const filtered = Boolean(q || status || author)

  return (
    <section class="content-list">
      <div class="screen-head">
        <h1>{title}</h1>
        {hasRole(me?.role, 'author') ? (
          <Link class="button primary" href={`/admin/${many}/new`}>
            New {kind}
          </Link>
        ) : null}
      </div>
      <form class="filters" aria-label={`Filter ${many}`} onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Search"
          name="q"
          type="search"
          value={typed}
          hint="Words in the title or text"
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
        <Field
          as="select"
          label="Status"
          name="status"
          value={status ?? ''}
          onChange={(event) => setQuery({ status: event.currentTarget.value || undefined })}
        >
          <option value="">Any status</option>
          {STATUSES.map((value) => (
            <option value={value} key={value}>
              {STATUS_LABELS[value]}
            </option>
          ))}
        </Field>
        <Field
          as="select"
          label="Author"
          name="author"
          value={query.get('author') === 'me' ? 'me' : ''}
          onChange={(event) => setQuery({ author: event.currentTarget.value || undefined })}
        >
          <option value="">Anyone</option>
          <option value="me">Me</option>
        </Field>
        <Field as="select" label="Order" name="sort" value={sort} onChange={(event) => setQuery({ sort: event.currentTarget.value })}>
          {Object.entries(SORTS).map(([value, label]) => (
            <option value={value} key={value}>
              {label}
            </option>
          ))}
        </Field>
      </form>
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label={`Loading ${many}…`} />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? `No ${many} match these filters.` : `No ${many} yet.`}>
          {filtered ? null : <p>Write the first one with “New {kind}”.</p>}
        </EmptyState>
      ) : (
        <Table<Post>
          caption={`${title}${list.total === undefined ? '' : ` (${list.total})`}`}
          rows={list.items}
          rowKey={(post) => post.id}
          columns={[
            {
              header: 'Title',
              cell: (post) => (
                <Link href={`/admin/${many}/${post.id}`} class="row-title">
                  {post.title}
                </Link>
              ),
            },
            { header: 'Status', cell: (post) => <span class={`status status-${post.status}`}>{STATUS_LABELS[post.status]}</span> },
            { header: 'Author', cell: (post) => post.author.name },
            {
              header: 'Date',
              cell: (post) =>
                post.status === 'scheduled'
                  ? `Publishes ${when(post.publish_at)}`
                  : post.published_at
                    ? when(post.published_at)
                    : `Changed ${when(post.updated_at)}`,
            },
          ]}
        />
      )}
      <Pager list={list} label={`${Kind(kind)} pages`} />
    </section>
  )
}
