// Webhooks (/admin/webhooks, admins; issue 13): the subscriptions, paged, each with its
// newest delivery; add one (URL, events, active) and see its signing secret once; pause or
// resume, send a test (ping), delete. A subscription opens to its settings and delivery log
// (detail.tsx).
import { useState } from 'preact/hooks'
import { api, load, problemOf, type Schemas } from '../../api.ts'
import { Link } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { toast } from '../../ui/toast.tsx'
import { unplacedMessage, useSubmit } from '../../ui/use-submit.ts'
import { when } from '../system/when.ts'
import { bodyOf, deliveryBadge, draftOf, SecretOnce, WebhookFields } from './webhook-parts.tsx'

type Item = Schemas['WebhookListItem']

export default function Webhooks() {
  const list = usePagedList((cursor) => load(api.GET('/api/v1/webhooks', { params: { query: { limit: 20, cursor } } })), 'webhooks')
  const [secret, setSecret] = useState<{ url: string; id: number; secret: string } | undefined>(undefined)
  const [deleting, setDeleting] = useState<Item | undefined>(undefined)
  const [deleteBusy, setDeleteBusy] = useState(false)
  const [busy, setBusy] = useState<string | undefined>(undefined)

  const remove = async () => {
    if (!deleting) return
    setDeleteBusy(true)
    try {
      const { error } = await api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: deleting.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(`The webhook to ${deleting.url} is deleted.`)
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setDeleteBusy(false)
      setDeleting(undefined)
      list.reload()
    }
  }
  const setStatus = async (hook: Item, status: Item['status']) => {
    setBusy(`status-${hook.id}`)
    try {
      const { error } = await api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id: hook.id } }, body: { status } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(status === 'paused' ? `Paused: ${hook.url} gets no new deliveries.` : `Resumed: ${hook.url} gets deliveries again.`)
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setBusy(undefined)
      list.reload()
    }
  }
  const ping = async (hook: Item) => {
    setBusy(`ping-${hook.id}`)
    try {
      const { error } = await api.POST('/api/v1/webhooks/{id}/ping', { params: { path: { id: hook.id } } })
      if (error) toast(problemOf(error).message, 'error')
      else toast(`A test event (webhook.ping) is queued for ${hook.url}.`)
    } catch (error) {
      toast(problemOf(error).message, 'error')
    } finally {
      setBusy(undefined)
      list.reload()
    }
  }

  return (
    <section class="webhooks">
      <h1>Webhooks</h1>
      <p class="hint">
        Each event is sent as a signed POST to the URLs that asked for it (header <code>Plinth-Signature</code>: an HMAC-SHA256 of the body
        with the subscription’s secret). Failed deliveries are retried.
      </p>
      <NewWebhook
        onCreated={(made) => {
          setSecret(made)
          list.reload()
        }}
      />
      {secret ? (
        <div class="webhook-made">
          <p>
            Added a webhook to <strong>{secret.url}</strong>. <Link href={`/admin/webhooks/${secret.id}`}>Open it</Link>
          </p>
          <SecretOnce secret={secret.secret} onDone={() => setSecret(undefined)} />
        </div>
      ) : null}

      <h2>Subscriptions</h2>
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading webhooks…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No webhooks yet.">
          <p>Add one above to send events to another service.</p>
        </EmptyState>
      ) : (
        <Table<Item>
          caption="Webhook subscriptions"
          rows={list.items}
          rowKey={(hook) => hook.id}
          columns={[
            {
              header: 'URL',
              cell: (hook) => (
                <span class="webhook-url">
                  <Link href={`/admin/webhooks/${hook.id}`} class="row-title">
                    {hook.url}
                  </Link>
                  {hook.description ? <span class="hint"> {hook.description}</span> : null}
                </span>
              ),
            },
            { header: 'Events', cell: (hook) => <span class="webhook-event-list">{hook.events.join(', ')}</span> },
            {
              header: 'Status',
              cell: (hook) => <span class={`status status-${hook.status}`}>{hook.status === 'active' ? 'Active' : 'Paused'}</span>,
            },
            {
              header: 'Last delivery',
              cell: (hook) =>
                hook.last_delivery ? (
                  <>
                    {deliveryBadge(hook.last_delivery.status)}
                    <span class="hint">
                      {' '}
                      {hook.last_delivery.event_type}, {when(hook.last_delivery.created_at)}
                    </span>
                  </>
                ) : (
                  <span class="hint">None yet</span>
                ),
            },
            {
              header: 'Actions',
              cell: (hook) => (
                <div class="row-actions">
                  <Button
                    busy={busy === `status-${hook.id}`}
                    onClick={() => setStatus(hook, hook.status === 'active' ? 'paused' : 'active')}
                    aria-label={`${hook.status === 'active' ? 'Pause' : 'Resume'} the webhook to ${hook.url}`}
                  >
                    {hook.status === 'active' ? 'Pause' : 'Resume'}
                  </Button>
                  <Button busy={busy === `ping-${hook.id}`} onClick={() => ping(hook)} aria-label={`Send a test (ping) to ${hook.url}`}>
                    Send a test (ping)
                  </Button>
                  <Button variant="danger" onClick={() => setDeleting(hook)} aria-label={`Delete the webhook to ${hook.url}`}>
                    Delete
                  </Button>
                </div>
              ),
            },
          ]}
        />
      )}
      <Pager list={list} label="Webhook pages" />
      <Confirm
        open={deleting !== undefined}
        title="Delete this webhook?"
        confirmLabel="Delete"
        danger
        busy={deleteBusy}
        onConfirm={remove}
        onCancel={() => setDeleting(undefined)}
      >
        <p>{deleting?.url} gets no more events, and its delivery log is deleted with it.</p>
      </Confirm>
    </section>
  )
}

function NewWebhook({ onCreated }: { onCreated: (made: { url: string; id: number; secret: string }) => void }) {
  const [draft, setDraft] = useState(draftOf(undefined))
  const { busy, problem, submit } = useSubmit(async () => {
    const { description, ...body } = bodyOf(draft)
    const { data, error } = await api.POST('/api/v1/webhooks', { body: description ? { ...body, description } : body })
    if (error) return problemOf(error)
    toast(`Added a webhook to ${data.url}.`)
    setDraft(draftOf(undefined))
    onCreated({ url: data.url, id: data.id, secret: data.secret })
  })
  return (
    <form class="card webhook-form" onSubmit={submit} noValidate aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">Add a webhook</h2>
      <FormError message={unplacedMessage(problem)} />
      <WebhookFields draft={draft} onChange={setDraft} problem={problem} />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          Add webhook
        </Button>
      </div>
    </form>
  )
}
