// Outgoing mail (/admin/mail, admins): the outbox newest first with a status filter,
// paged; a message opens to its text (GET /api/v1/mail/{id}). With no SMTP_URL, mail is
// kept here instead of sent, so a development site needs no mail server.
import { useState } from 'preact/hooks'
import { api, type FormProblem, load, type Schemas } from '../../api.ts'
import { useLocation } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { when } from './when.ts'

type Message = Schemas['MailMessage']
type Detail = Schemas['MailMessageDetail']

const STATUSES = { sent: 'Sent', kept: 'Kept (no SMTP)', failed: 'Failed' } as const

export default function Mail() {
  const { query } = useLocation()
  const status = queryChoice(query, 'status', STATUSES)
  const filters = { status, limit: 20 }
  const list = usePagedList(
    (cursor) => load(api.GET('/api/v1/mail', { params: { query: { ...filters, cursor } } })),
    `mail ${JSON.stringify(filters)}`,
  )
  const [open, setOpen] = useState<Detail | undefined>(undefined)
  const [opening, setOpening] = useState<number | undefined>(undefined)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const show = async (message: Message) => {
    setOpening(message.id)
    setProblem(undefined)
    try {
      setOpen(await load(api.GET('/api/v1/mail/{id}', { params: { path: { id: message.id } } })))
    } catch (error) {
      setProblem(error as FormProblem)
    } finally {
      setOpening(undefined)
    }
  }
  return (
    <section class="people">
      <h1>Outgoing mail</h1>
      <form class="people-filters" aria-label="Filter outgoing mail" onSubmit={(e) => e.preventDefault()}>
        <QuerySelect label="Status" name="status" any="Any status" choices={STATUSES} value={status} />
      </form>
      <FormError message={list.problem?.message ?? problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading mail…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No mail yet." />
      ) : (
        <Table<Message>
          caption="Outgoing mail"
          rows={list.items}
          rowKey={(message) => message.id}
          columns={[
            { header: 'When', cell: (message) => when(message.sent_at ?? message.created_at) },
            { header: 'To', cell: (message) => message.to },
            { header: 'Subject', cell: (message) => <span class="row-title">{message.subject}</span> },
            {
              header: 'Status',
              cell: (message) => (
                <>
                  <span class={`status status-${message.status}`}>{STATUSES[message.status]}</span>
                  {message.error ? <span class="hint"> {message.error}</span> : null}
                </>
              ),
            },
            {
              header: 'Actions',
              cell: (message) => (
                <Button
                  busy={opening === message.id}
                  onClick={() => show(message)}
                  aria-label={`Read “${message.subject}” to ${message.to}`}
                >
                  Read
                </Button>
              ),
            },
          ]}
        />
      )}
      <Pager list={list} label="Mail pages" />
      {open ? (
        <article class="card people-message" aria-labelledby="message-title">
          <h2 id="message-title">{open.subject}</h2>
          <p class="hint">
            To {open.to} · {when(open.sent_at ?? open.created_at)} · {STATUSES[open.status]}
          </p>
          <pre>{open.text}</pre>
          <div class="actions">
            <Button onClick={() => setOpen(undefined)}>Close</Button>
          </div>
        </article>
      ) : null}
    </section>
  )
}
