// Posts and pages lists (/admin/posts, /admin/pages): search, status and author filters,
// cursor paging with the total. The filters live in the URL, so a list can be linked and
// the browser's Back returns to it as it was.
import { useEffect, useState } from 'preact/hooks'
import { type FormProblem, hasRole, type Schemas } from '../../api.ts'
import { Link, setQuery, useLocation } from '../../app/router.tsx'
import { useSession } from '../../app/session.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice, useQuerySearch } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { Kind, kindOf, type ListQuery, listAuthors, listContent, type Post, plural, STATUS_LABELS, when } from './content-api.ts'

type Author = Schemas['Author']

const SORTS = { newest: 'Newest first', updated: 'Last changed', oldest: 'Oldest first', title: 'Title, A to Z' } as const

export default function ContentList() {
  const where = useLocation()
  const { me } = useSession()
  const kind = kindOf(where.path)
  const query = where.query
  const status = queryChoice(query, 'status', STATUS_LABELS)
  const sort = queryChoice(query, 'sort', SORTS) ?? 'newest'
  const authorParam = query.get('author') ?? ''
  // 'me', or (editors) any author's id.
  const author = authorParam === 'me' ? me?.id : /^[1-9]\d{0,15}$/.test(authorParam) ? Number(authorParam) : undefined
  const q = query.get('q') ?? ''
  // The search box changes the URL once typing pauses, not on every key.
  const [typed, setTyped] = useQuerySearch(q)

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
        <QuerySelect label="Status" name="status" any="Any status" choices={STATUS_LABELS} value={status} />
        {hasRole(me?.role, 'editor') ? (
          <AuthorFilter value={author === undefined ? '' : authorParam} myId={me?.id} />
        ) : (
          <Field
            as="select"
            label="Author"
            name="author"
            value={authorParam === 'me' ? 'me' : ''}
            onChange={(event) => setQuery({ author: event.currentTarget.value || undefined })}
          >
            <option value="">Anyone</option>
            <option value="me">Me</option>
          </Field>
        )}
        <QuerySelect label="Order" name="sort" choices={SORTS} value={sort} />
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

/**
 * Editors pick any author (GET /api/v1/authors, by name): the first 100 in the list;
 * with more, a search box narrows it by name.
 */
function AuthorFilter({ value, myId }: { value: string; myId: number | undefined }) {
  const [typed, setTyped] = useState('')
  const [find, setFind] = useState('')
  useEffect(() => {
    const timer = setTimeout(() => setFind(typed.trim()), 300)
    return () => clearTimeout(timer)
  }, [typed])
  const [authors, setAuthors] = useState<{ data: Author[]; next_cursor: string | null } | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [many, setMany] = useState(false)
  useEffect(() => {
    let current = true
    listAuthors({ q: find || undefined, limit: 100 }).then(
      (page) => {
        if (!current) return
        setAuthors(page)
        setProblem(undefined)
        if (!find && page.next_cursor) setMany(true)
      },
      (error: FormProblem) => current && setProblem(error.message),
    )
    return () => {
      current = false
    }
  }, [find])
  const others = (authors?.data ?? []).filter((person) => person.id !== myId)
  const known = value === '' || value === 'me' || others.some((person) => String(person.id) === value)
  return (
    <>
      {many ? (
        <Field
          label="Find an author"
          name="author-q"
          type="search"
          hint="A part of the name"
          value={typed}
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
      ) : null}
      <Field
        as="select"
        label="Author"
        name="author"
        value={value}
        error={problem}
        aria-busy={authors === undefined || undefined}
        onChange={(event) => setQuery({ author: event.currentTarget.value || undefined })}
      >
        <option value="">Anyone</option>
        <option value="me">Me</option>
        {known ? null : <option value={value}>Author {value}</option>}
        {others.map((person) => (
          <option value={String(person.id)} key={person.id}>
            {person.name}
          </option>
        ))}
      </Field>
    </>
  )
}
