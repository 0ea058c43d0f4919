// One webhook (/admin/webhooks/:id, admins; issue 13): its settings (URL, description,
// events, active), a new secret, a test (ping), and the delivery log, paged and filtered by
// status: each delivery's event, attempts, newest HTTP status, duration, answer and next
// retry; a delivery opens to its body and every attempt, and can be sent again.
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type FormProblem, load, problemOf, type Schemas } from '../../api.ts'
import { Link, useLocation } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { QuerySelect, queryChoice } from '../../ui/filters.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { useLoaded } from '../../ui/use-loaded.ts'
import { unplacedMessage, useSubmit } from '../../ui/use-submit.ts'
import { when } from '../system/when.ts'
import { bodyOf, DELIVERY_STATUS_LABELS, deliveryBadge, draftOf, SecretOnce, type Webhook, WebhookFields } from './webhook-parts.tsx'

type Delivery = Schemas['WebhookDeliveryListItem']
type Detail = Schemas['WebhookDeliveryDetail']
type Attempt = Schemas['WebhookAttempt']

const OUTCOMES: Record<Attempt['outcome'], string> = {
  succeeded: 'Succeeded',
  http_error: 'HTTP error',
  timeout: 'Timed out',
  network_error: 'Network error',
  refused: 'Address refused',
}

const httpStatus = (attempt: { outcome: Attempt['outcome']; status_code: number | null } | null) =>
  attempt === null ? '—' : attempt.status_code === null ? OUTCOMES[attempt.outcome] : String(attempt.status_code)

export default function WebhookDetail({ params }: ScreenProps) {
  const id = Number(params.id)
  const hook = useLoaded(() => load(api.GET('/api/v1/webhooks/{id}', { params: { path: { id } } })))
  const [secret, setSecret] = useState<string | undefined>(undefined)
  const [rotating, setRotating] = useState(false)
  const [rotateBusy, setRotateBusy] = useState(false)
  const [pingBusy, setPingBusy] = useState(false)
  const [logVersion, setLogVersion] = useState(0)

  if (!Number.isSafeInteger(id) || id < 1 || hook.problem?.code === 'not_found') {
    return (
      <section class="webhooks">
        <h1>Webhook not found</h1>
        <p>
          There is no webhook {params.id}. <Link href="/admin/webhooks">All webhooks</Link>
        </p>
      </section>
    )
  }
  if (!hook.data) {
    return (
      <section class="webhooks">
        <h1>Webhook</h1>
        <FormError message={hook.problem?.message} />
        {hook.problem ? null : <Progress label="Loading the webhook…" />}
      </section>
    )
  }
  const current = hook.data

  const rotate = async () => {
    setRotateBusy(true)
    try {
      const { data, error } = await api.POST('/api/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } })
      if (error) toast(problemOf(error).message, 'error')
      else setSecret(data.secret)
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setRotateBusy(false)
      setRotating(false)
    }
  }
  const ping = async () => {
    setPingBusy(true)
    try {
      const { error } = await api.POST('/api/v1/webhooks/{id}/ping', { params: { path: { id } } })
      if (error) toast(problemOf(error).message, 'error')
      else {
        toast('A test event (webhook.ping) is queued: it shows in the delivery log.')
        setLogVersion((value) => value + 1)
      }
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setPingBusy(false)
    }
  }

  return (
    <section class="webhooks">
      <p class="webhook-back">
        <Link href="/admin/webhooks">← All webhooks</Link>
      </p>
      <h1>
        Webhook <span class="webhook-url">{current.url}</span>
      </h1>
      <p>
        <span class={`status status-${current.status}`}>{current.status === 'active' ? 'Active' : 'Paused'}</span>{' '}
        <span class="hint">Added {when(current.created_at)}</span>
      </p>
      <div class="actions webhook-tools">
        <Button busy={pingBusy} onClick={ping}>
          Send a test (ping)
        </Button>
        <Button onClick={() => setRotating(true)}>New signing secret</Button>
      </div>
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret(undefined)} /> : null}
      <EditWebhook hook={current} onSaved={hook.reload} />
      <DeliveryLog id={id} version={logVersion} />
      <Confirm
        open={rotating}
        title="Make a new signing secret?"
        confirmLabel="Make a new secret"
        busy={rotateBusy}
        onConfirm={rotate}
        onCancel={() => setRotating(false)}
      >
        <p>Deliveries are signed with the new secret from now on: the receiver must be given it, or it will refuse them.</p>
      </Confirm>
    </section>
  )
}

function EditWebhook({ hook, onSaved }: { hook: Webhook; onSaved: () => void }) {
  const [draft, setDraft] = useState(draftOf(hook))
  // A reload (after a save) shows what the server kept.
  useEffect(() => setDraft(draftOf(hook)), [hook])
  const { busy, problem, submit } = useSubmit(async () => {
    const { error } = await api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id: hook.id } }, body: bodyOf(draft) })
    if (error) return problemOf(error)
    toast('Saved.')
    onSaved()
  })
  return (
    <form class="card webhook-form" onSubmit={submit} noValidate aria-labelledby="edit-webhook-title">
      <h2 id="edit-webhook-title">Settings</h2>
      <FormError message={unplacedMessage(problem)} />
      <WebhookFields draft={draft} onChange={setDraft} problem={problem} />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          Save
        </Button>
      </div>
    </form>
  )
}

function DeliveryLog({ id, version }: { id: number; version: number }) {
  const { query } = useLocation()
  const status = queryChoice(query, 'status', DELIVERY_STATUS_LABELS)
  const filters = { status, limit: 20 }
  const list = usePagedList(
    (cursor) => load(api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id }, query: { ...filters, cursor } } })),
    `deliveries ${id} ${JSON.stringify(filters)}`,
  )
  const { reload } = list
  useEffect(() => {
    if (version > 0) reload()
  }, [version])
  const [open, setOpen] = useState<Detail | undefined>(undefined)
  const [opening, setOpening] = useState<number | undefined>(undefined)
  const [redelivering, setRedelivering] = useState(false)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)

  const show = async (delivery: { id: number }) => {
    setOpening(delivery.id)
    setProblem(undefined)
    try {
      setOpen(await load(api.GET('/api/v1/webhooks/{id}/deliveries/{deliveryId}', { params: { path: { id, deliveryId: delivery.id } } })))
    } catch (error) {
      setProblem(error as FormProblem)
    } finally {
      setOpening(undefined)
    }
  }
  const redeliver = async (delivery: Detail) => {
    setRedelivering(true)
    try {
      const { data, error } = await api.POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
        params: { path: { id, deliveryId: delivery.id } },
      })
      if (error) toast(problemOf(error).message, 'error')
      else {
        toast(`Sending ${delivery.event_type} again as delivery ${data.id}.`)
        list.reload()
      }
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setRedelivering(false)
    }
  }

  return (
    <section class="webhook-log" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <form class="webhook-filters" aria-label="Filter deliveries" onSubmit={(e) => e.preventDefault()}>
        <QuerySelect label="Status" name="status" any="Any status" choices={DELIVERY_STATUS_LABELS} value={status} />
        <Button busy={list.loading && list.items.length > 0} onClick={list.reload}>
          Refresh
        </Button>
      </form>
      <FormError message={list.problem?.message ?? problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading deliveries…" />
      ) : list.items.length === 0 ? (
        <EmptyState title={status ? 'No deliveries with this status.' : 'No deliveries yet.'}>
          <p>Send a test (ping) to see one.</p>
        </EmptyState>
      ) : (
        <Table<Delivery>
          caption="Deliveries"
          rows={list.items}
          rowKey={(delivery) => delivery.id}
          columns={[
            { header: 'When', cell: (delivery) => <span class="webhook-when">{when(delivery.created_at)}</span> },
            { header: 'Event', cell: (delivery) => <code>{delivery.event_type}</code> },
            { header: 'Status', cell: (delivery) => deliveryBadge(delivery.status) },
            { header: 'Attempts', class: 'num', cell: (delivery) => delivery.attempts },
            { header: 'HTTP status', class: 'num', cell: (delivery) => httpStatus(delivery.last_attempt) },
            {
              header: 'Duration',
              class: 'num',
              cell: (delivery) => (delivery.last_attempt ? `${delivery.last_attempt.duration_ms} ms` : '—'),
            },
            {
              header: 'Response',
              cell: (delivery) => (
                <span class="webhook-excerpt">{delivery.last_attempt?.response_excerpt ?? delivery.last_attempt?.error ?? '—'}</span>
              ),
            },
            { header: 'Next retry', cell: (delivery) => (delivery.next_attempt_at ? when(delivery.next_attempt_at) : '—') },
            {
              header: 'Actions',
              cell: (delivery) => (
                <Button
                  busy={opening === delivery.id}
                  onClick={() => show(delivery)}
                  aria-label={`Details of delivery ${delivery.id} (${delivery.event_type})`}
                >
                  Details
                </Button>
              ),
            },
          ]}
        />
      )}
      <Pager list={list} label="Delivery pages" />
      {open ? (
        <DeliveryDetail delivery={open} busy={redelivering} onRedeliver={() => redeliver(open)} onClose={() => setOpen(undefined)} />
      ) : null}
    </section>
  )
}

function DeliveryDetail({
  delivery,
  busy,
  onRedeliver,
  onClose,
}: {
  delivery: Detail
  busy: boolean
  onRedeliver: () => void
  onClose: () => void
}) {
  // The detail opens below the log: focus moves to it (and a narrow screen scrolls there).
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [delivery.id])
  return (
    <article class="card webhook-delivery" aria-labelledby="delivery-title">
      <h3 id="delivery-title" ref={heading} tabIndex={-1}>
        Delivery {delivery.id}: <code>{delivery.event_type}</code>
      </h3>
      <p>
        {deliveryBadge(delivery.status)}{' '}
        <span class="hint">
          {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'} · queued {when(delivery.created_at)}
          {delivery.next_attempt_at ? ` · next retry ${when(delivery.next_attempt_at)}` : ''}
          {delivery.redelivery_of ? ` · a redelivery of ${delivery.redelivery_of}` : ''}
        </span>
      </p>
      {delivery.attempt_log.length === 0 ? (
        <p class="hint">Not attempted yet.</p>
      ) : (
        <Table<Attempt>
          caption={`Attempts of delivery ${delivery.id}`}
          rows={delivery.attempt_log}
          rowKey={(attempt) => attempt.number}
          columns={[
            { header: '#', class: 'num', cell: (attempt) => attempt.number },
            { header: 'Started', cell: (attempt) => when(attempt.started_at) },
            { header: 'Outcome', cell: (attempt) => OUTCOMES[attempt.outcome] },
            { header: 'HTTP status', class: 'num', cell: (attempt) => attempt.status_code ?? '—' },
            { header: 'Duration', class: 'num', cell: (attempt) => `${attempt.duration_ms} ms` },
            {
              header: 'Response or error',
              cell: (attempt) => <span class="webhook-excerpt">{attempt.response_excerpt ?? attempt.error ?? '—'}</span>,
            },
          ]}
        />
      )}
      <h4>Body sent</h4>
      <pre class="webhook-payload">{JSON.stringify(delivery.payload, null, 2)}</pre>
      <div class="actions">
        <Button variant="primary" busy={busy} onClick={onRedeliver}>
          Redeliver
        </Button>
        <Button onClick={onClose}>Close</Button>
      </div>
    </article>
  )
}
