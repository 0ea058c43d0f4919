// The job queue (/admin/jobs, admins): jobs newest first with a status filter, paged;
// failed and dead ones show their last error, and a dead one can be retried.
import { useState } from 'preact/hooks'
import { api, load, problemOf, type Schemas } from '../../api.ts'
import { useLocation } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { when } from './when.ts'

type Job = Schemas['Job']

const STATUSES = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed (will retry)', dead: 'Dead' } as const

export default function Jobs() {
  const { query } = useLocation()
  const status = queryChoice(query, 'status', STATUSES)
  const filters = { status, limit: 20 }
  const list = usePagedList(
    (cursor) => load(api.GET('/api/v1/jobs', { params: { query: { ...filters, cursor } } })),
    `jobs ${JSON.stringify(filters)}`,
  )
  const [busy, setBusy] = useState<number | undefined>(undefined)
  const retry = async (job: Job) => {
    setBusy(job.id)
    try {
      const { error } = await api.POST('/api/v1/jobs/{id}/retry', { params: { path: { id: job.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(`Job ${job.id} (${job.name}) is queued again.`)
    } finally {
      setBusy(undefined)
      list.reload()
    }
  }
  return (
    <section class="people">
      <h1>Jobs</h1>
      <form class="people-filters" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <QuerySelect label="Status" name="status" any="Any status" choices={STATUSES} value={status} />
      </form>
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading jobs…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No jobs match." />
      ) : (
        <Table<Job>
          caption="Jobs"
          rows={list.items}
          rowKey={(job) => job.id}
          columns={[
            { header: 'Id', class: 'num', cell: (job) => job.id },
            { header: 'Job', cell: (job) => <span class="row-title">{job.name}</span> },
            { header: 'Status', cell: (job) => <span class={`status status-${job.status}`}>{STATUSES[job.status]}</span> },
            { header: 'Attempts', class: 'num', cell: (job) => `${job.attempts} of ${job.max_attempts}` },
            { header: 'Created', cell: (job) => when(job.created_at) },
            { header: 'Next run or finished', cell: (job) => when(job.finished_at ?? job.run_at) },
            { header: 'Last error', cell: (job) => (job.last_error ? <code class="people-details">{job.last_error}</code> : '') },
            {
              header: 'Actions',
              cell: (job) =>
                job.status === 'dead' ? (
                  <Button busy={busy === job.id} onClick={() => retry(job)} aria-label={`Retry job ${job.id}`}>
                    Retry
                  </Button>
                ) : null,
            },
          ]}
        />
      )}
      <Pager list={list} label="Job pages" />
    </section>
  )
}
