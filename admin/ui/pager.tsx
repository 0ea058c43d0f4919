import { useCallback, useEffect, useState } from 'preact/hooks'
import type { FormProblem } from '../api.ts'
import { Button } from './button.tsx'

/** A page of a list as every /api/v1 list answers it (cursor pagination). */
export type PageOf<Item> = { data: Item[]; next_cursor: string | null; total?: number }

export type PagedList<Item> = {
  items: Item[]
  total: number | undefined
  loading: boolean
  problem: FormProblem | undefined
  /** 1 for the first page. */
  page: number
  hasNext: boolean
  next: () => void
  previous: () => void
  /** Loads the current page again (after a change). */
  reload: () => void
}

/**
 * A cursor-paged list: `fetchPage(cursor)` loads one page (use `load(api.GET(...))`
 * from api.ts so a failed call is a FormProblem). When `key` changes (a filter, a
 * search), the list starts again at page 1.
 */
export function usePagedList<Item>(fetchPage: (cursor: string | undefined) => Promise<PageOf<Item>>, key: string): PagedList<Item> {
  // The cursors of the pages seen so far: [undefined (page 1), cursor of page 2, …].
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const [result, setResult] = useState<PageOf<Item> | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [version, setVersion] = useState(0)

  // A new key (filters) starts the list again.
  useEffect(() => setCursors([undefined]), [key])
  const cursor = cursors[cursors.length - 1]
  // fetchPage is a new function each render: the key says what it fetches.
  useEffect(() => {
    let current = true
    setLoading(true)
    fetchPage(cursor).then(
      (page) => {
        if (!current) return
        setResult(page)
        setProblem(undefined)
        setLoading(false)
      },
      (error: FormProblem) => {
        if (!current) return
        setProblem(error)
        setLoading(false)
      },
    )
    return () => {
      current = false
    }
  }, [key, cursor, version])

  return {
    items: result?.data ?? [],
    total: result?.total,
    loading,
    problem,
    page: cursors.length,
    hasNext: Boolean(result?.next_cursor),
    next: useCallback(() => {
      if (result?.next_cursor) setCursors((list) => [...list, result.next_cursor ?? undefined])
    }, [result]),
    previous: useCallback(() => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)), []),
    reload: useCallback(() => setVersion((value) => value + 1), []),
  }
}

/** Previous / next buttons and the page number (and the total when the list counted it) for a usePagedList list. */
export function Pager({ list, label = 'Pages' }: { list: PagedList<unknown>; label?: string }) {
  if (list.page === 1 && !list.hasNext) return null
  return (
    <nav class="pager" aria-label={label}>
      <Button onClick={list.previous} disabled={list.page === 1 || list.loading}>
        Previous
      </Button>
      <span aria-live="polite">
        Page {list.page}
        {list.total === undefined ? '' : ` · ${list.total} in all`}
      </span>
      <Button onClick={list.next} disabled={!list.hasNext || list.loading}>
        Next
      </Button>
    </nav>
  )
}
