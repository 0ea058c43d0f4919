// A form's submissions inbox (/admin/forms/:id/submissions, editors and admins): full-text
// search and a status filter (both in the URL), cursor paging, select rows and mark them
// read, spam or archived in one call, a submission's detail (`?open=<id>`: every value,
// its files through the authorised download route, status, delete), and the CSV export
// (a plain link: a GET with the session cookie, downloaded as an attachment; "For Excel" adds the
// byte order mark, a choice remembered in this browser).
import { useEffect, useState } from 'preact/hooks'
import { api, type FormProblem, load, problemOf } from '../../api.ts'
import { Link, setQuery, useLocation } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice, useQuerySearch } from '../../ui/filters.tsx'
import { LoadFailed } from '../../ui/load-failed.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import {
  chooseCsvBom,
  csvBomChosen,
  csvHref,
  type Form,
  fileHref,
  getForm,
  SUBMISSION_STATUS_LABELS,
  type Submission,
  type SubmissionStatus,
  valueText,
  when,
} from './forms-api.ts'

const BULK: { status: SubmissionStatus; label: string }[] = [
  { status: 'read', label: 'Mark read' },
  { status: 'new', label: 'Mark unread' },
  { status: 'spam', label: 'Mark spam' },
  { status: 'archived', label: 'Archive' },
]

export default function Inbox({ params }: ScreenProps) {
  const id = Number(params.id)
  const [form, setForm] = useState<Form | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<string | undefined>(undefined)
  useEffect(() => {
    setForm(undefined)
    setLoadProblem(undefined)
    if (!Number.isSafeInteger(id) || id < 1) setLoadProblem(`There is no form ${params.id}.`)
    else getForm(id).then(setForm, (problem: FormProblem) => setLoadProblem(problem.message))
  }, [params.id])

  if (loadProblem) {
    return <LoadFailed title="Submissions" message={loadProblem} back="/admin/forms" backLabel="Back to the forms" />
  }
  if (!form) return <Progress label="Loading the form…" />
  return <InboxOf form={form} />
}

function InboxOf({ form }: { form: Form }) {
  const where = useLocation()
  const query = where.query
  const status = queryChoice(query, 'status', SUBMISSION_STATUS_LABELS)
  const q = query.get('q') ?? ''
  const open = Number(query.get('open') ?? '')
  const [typed, setTyped] = useQuerySearch(q)
  const [bom, setBom] = useState(csvBomChosen)

  const key = JSON.stringify({ form: form.id, q, status })
  const list = usePagedList(
    (cursor) =>
      load(
        api.GET('/api/v1/forms/{id}/submissions', {
          params: { path: { id: form.id }, query: { limit: 20, cursor, status, q: q || undefined } },
        }),
      ),
    key,
  )
  const [selected, setSelected] = useState<Set<number>>(new Set())
  const [bulkBusy, setBulkBusy] = useState<SubmissionStatus | undefined>(undefined)
  const [bulkProblem, setBulkProblem] = useState<string | undefined>(undefined)
  // A new filter or page shows other rows: nothing stays selected out of sight.
  useEffect(() => setSelected(new Set()), [key, list.page])

  const pageIds = list.items.map((submission) => submission.id)
  const allSelected = pageIds.length > 0 && pageIds.every((submissionId) => selected.has(submissionId))
  const toggle = (submissionId: number, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current)
      if (on) next.add(submissionId)
      else next.delete(submissionId)
      return next
    })

  const mark = async (to: SubmissionStatus) => {
    const ids = [...selected]
    if (ids.length === 0) return
    setBulkBusy(to)
    setBulkProblem(undefined)
    const { error } = await api
      .PATCH('/api/v1/forms/{id}/submissions', { params: { path: { id: form.id } }, body: { ids, status: to } })
      .catch((cause: unknown) => ({ error: cause }))
    setBulkBusy(undefined)
    if (error) {
      setBulkProblem(problemOf(error).message)
      return
    }
    toast(`${ids.length} ${ids.length === 1 ? 'submission' : 'submissions'} marked ${SUBMISSION_STATUS_LABELS[to].toLowerCase()}.`)
    setSelected(new Set())
    list.reload()
  }

  const labels = new Map(form.fields.map((field) => [field.name, field.label]))
  const summaryFields = form.fields.filter((field) => field.type !== 'file').slice(0, 2)
  const filtered = Boolean(q || status)

  if (Number.isSafeInteger(open) && open > 0) {
    return <Detail form={form} submissionId={open} labels={labels} onChanged={list.reload} />
  }

  return (
    <section class="inbox">
      <div class="screen-head">
        <h1>Submissions: {form.name}</h1>
        <div class="head-links">
          <Link href={`/admin/forms/${form.id}`}>Edit the form</Link>
          <a class="button" href={csvHref(form.id, { status, bom })} download={`${form.slug}-submissions.csv`}>
            Export CSV{status ? ` (${SUBMISSION_STATUS_LABELS[status].toLowerCase()})` : ''}
          </a>
          <label class="check" title="Starts the file with a byte order mark, so that Excel reads accented letters right">
            <input
              type="checkbox"
              checked={bom}
              onChange={(event) => {
                const chosen = event.currentTarget.checked
                setBom(chosen)
                chooseCsvBom(chosen)
              }}
            />{' '}
            For Excel
          </label>
        </div>
      </div>
      <form class="filters" aria-label="Filter submissions" onSubmit={(event) => event.preventDefault()}>
        <Field
          label="Search"
          name="q"
          type="search"
          value={typed}
          hint="Words in the answers"
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
        <QuerySelect label="Status" name="status" any="Any status" choices={SUBMISSION_STATUS_LABELS} value={status} />
      </form>
      <FormError message={list.problem?.message ?? bulkProblem} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading submissions…" />
      ) : list.items.length === 0 ? (
        <EmptyState title={filtered ? 'No submissions match these filters.' : 'No submissions yet.'}>
          {filtered ? null : <p>They arrive here when visitors send the form at /forms/{form.slug}.</p>}
        </EmptyState>
      ) : (
        <>
          <div class="bulk-bar">
            <label class="check">
              <input
                type="checkbox"
                checked={allSelected}
                onChange={(event) => setSelected(event.currentTarget.checked ? new Set(pageIds) : new Set())}
              />{' '}
              Select all on this page
            </label>
            <span class="selected-count" aria-live="polite">
              {selected.size} selected
            </span>
            <div class="bulk-actions">
              {BULK.map(({ status: to, label }) => (
                <Button key={to} onClick={() => mark(to)} busy={bulkBusy === to} disabled={selected.size === 0 || bulkBusy !== undefined}>
                  {label}
                </Button>
              ))}
            </div>
          </div>
          <Table<Submission>
            caption={`Submissions of ${form.name}`}
            rows={list.items}
            rowKey={(submission) => submission.id}
            columns={[
              {
                header: 'Select',
                cell: (submission) => (
                  <input
                    type="checkbox"
                    aria-label={`Select submission ${submission.id}`}
                    checked={selected.has(submission.id)}
                    onChange={(event) => toggle(submission.id, event.currentTarget.checked)}
                  />
                ),
              },
              {
                header: 'Received',
                cell: (submission) => (
                  <Link
                    href={`/admin/forms/${form.id}/submissions?${new URLSearchParams({ ...Object.fromEntries(query), open: String(submission.id) })}`}
                    class={submission.status === 'new' ? 'row-title unread' : 'row-title'}
                  >
                    {when(submission.created_at)}
                    <span class="visually-hidden"> (submission {submission.id})</span>
                  </Link>
                ),
              },
              {
                header: 'Status',
                cell: (submission) => (
                  <span class={`status status-sub-${submission.status}`}>{SUBMISSION_STATUS_LABELS[submission.status]}</span>
                ),
              },
              ...summaryFields.map((field) => ({
                header: field.label,
                cell: (submission: Submission) => <span class="cell-value">{valueText(submission.data[field.name])}</span>,
              })),
              { header: 'Files', class: 'num', cell: (submission) => submission.files.length || '' },
            ]}
          />
        </>
      )}
      <Pager list={list} label="Submission pages" />
    </section>
  )
}

function Detail({
  form,
  submissionId,
  labels,
  onChanged,
}: {
  form: Form
  submissionId: number
  labels: Map<string, string>
  onChanged: () => void
}) {
  const [submission, setSubmission] = useState<Submission | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [confirmDelete, setConfirmDelete] = useState(false)
  useEffect(() => {
    load(api.GET('/api/v1/forms/{id}/submissions/{submissionId}', { params: { path: { id: form.id, submissionId } } })).then(
      setSubmission,
      (error: FormProblem) => setProblem(error.message),
    )
  }, [form.id, submissionId])
  const back = () => setQuery({ open: undefined })

  const setStatus = async (status: SubmissionStatus) => {
    setBusy(status)
    const { data, error } = await api.PATCH('/api/v1/forms/{id}/submissions/{submissionId}', {
      params: { path: { id: form.id, submissionId } },
      body: { status },
    })
    setBusy(undefined)
    if (error || !data) {
      setProblem(problemOf(error).message)
      return
    }
    setSubmission(data)
    onChanged()
    toast(`Marked ${SUBMISSION_STATUS_LABELS[status].toLowerCase()}.`)
  }

  const remove = async () => {
    setBusy('delete')
    const { error } = await api.DELETE('/api/v1/forms/{id}/submissions/{submissionId}', {
      params: { path: { id: form.id, submissionId } },
    })
    setBusy(undefined)
    setConfirmDelete(false)
    if (error) {
      setProblem(problemOf(error).message)
      return
    }
    toast('Submission deleted.')
    onChanged()
    back()
  }

  // Fields of the form as it is now first, in its order; then values of fields since removed.
  const names = submission
    ? [...form.fields.map((field) => field.name), ...Object.keys(submission.data).filter((name) => !labels.has(name))]
    : []
  return (
    <section class="submission-detail">
      <div class="screen-head">
        <h1>
          Submission {submissionId}: {form.name}
        </h1>
        <Button onClick={back}>Back to the inbox</Button>
      </div>
      <FormError message={problem} />
      {!submission ? (
        problem ? null : (
          <Progress label="Loading the submission…" />
        )
      ) : (
        <>
          <dl class="submission-meta">
            <dt>Received</dt>
            <dd>{when(submission.created_at)}</dd>
            <dt>Status</dt>
            <dd>
              <span class={`status status-sub-${submission.status}`}>{SUBMISSION_STATUS_LABELS[submission.status]}</span>
              {submission.spam_reason ? ` (${submission.spam_reason})` : ''}
            </dd>
            <dt>Form version</dt>
            <dd>{submission.form_version}</dd>
            {submission.ip ? (
              <>
                <dt>IP address</dt>
                <dd>{submission.ip}</dd>
              </>
            ) : null}
            {submission.user_agent ? (
              <>
                <dt>Browser</dt>
                <dd class="user-agent">{submission.user_agent}</dd>
              </>
            ) : null}
          </dl>
          <h2>Answers</h2>
          <dl class="submission-values">
            {names.map((name) => {
              const files = submission.files.filter((file) => file.field === name)
              if (files.length === 0 && !(name in submission.data) && form.fields.find((field) => field.name === name)?.type === 'file') {
                return (
                  <div key={name}>
                    <dt>{labels.get(name) ?? name}</dt>
                    <dd>—</dd>
                  </div>
                )
              }
              return (
                <div key={name}>
                  <dt>{labels.get(name) ?? name}</dt>
                  <dd>
                    {files.length > 0 ? (
                      <ul class="file-links">
                        {files.map((file) => (
                          <li key={file.id}>
                            <a href={fileHref(form.id, submission.id, file.id)} download={file.original_name}>
                              {file.original_name}
                            </a>{' '}
                            <span class="muted">
                              ({file.mime_type}, {Math.max(1, Math.round(file.size_bytes / 1024))} KB)
                            </span>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      <span class="cell-value">{valueText(submission.data[name])}</span>
                    )}
                  </dd>
                </div>
              )
            })}
          </dl>
          <div class="actions">
            {BULK.filter(({ status }) => status !== submission.status).map(({ status, label }) => (
              <Button key={status} onClick={() => setStatus(status)} busy={busy === status} disabled={busy !== undefined}>
                {label}
              </Button>
            ))}
            <Button variant="danger" onClick={() => setConfirmDelete(true)} disabled={busy !== undefined}>
              Delete
            </Button>
          </div>
        </>
      )}
      <Confirm
        open={confirmDelete}
        title={`Delete submission ${submissionId}?`}
        confirmLabel="Delete submission"
        danger
        busy={busy === 'delete'}
        onConfirm={remove}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>Its answers and files are deleted. This cannot be undone.</p>
      </Confirm>
    </section>
  )
}
