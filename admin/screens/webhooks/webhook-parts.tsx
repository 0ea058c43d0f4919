// What the two webhook screens share: the events a subscription may ask for (as the API
// documents them, POST /api/v1/webhooks), the events fieldset, the secret shown once with
// a copy button, and the delivery status badge.
import { useId, useState } from 'preact/hooks'
import type { FormProblem, Schemas } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Field } from '../../ui/field.tsx'

export type Webhook = Schemas['Webhook']
export type WebhookEvent = Webhook['events'][number]
export type DeliveryStatus = Schemas['WebhookDelivery']['status']

/** Every event of the API (src/features/webhooks/webhooks.schemas.ts), in its order, with what it means. */
export const EVENTS = [
  { event: 'post.published', label: 'A post goes public' },
  { event: 'post.updated', label: 'A public post is saved' },
  { event: 'post.unpublished', label: 'A post leaves the site' },
  { event: 'post.deleted', label: 'A public post is deleted' },
  { event: 'page.published', label: 'A page goes public' },
  { event: 'page.updated', label: 'A public page is saved' },
  { event: 'page.unpublished', label: 'A page leaves the site' },
  { event: 'page.deleted', label: 'A public page is deleted' },
  { event: 'product.created', label: 'A product is created' },
  { event: 'product.updated', label: 'A product is changed' },
  { event: 'product.deleted', label: 'A product is deleted' },
  { event: 'form.submitted', label: 'A form is submitted' },
] as const satisfies readonly { event: WebhookEvent; label: string }[]

// The typecheck fails here when the API gains an event this list lacks.
type Missing = Exclude<WebhookEvent, (typeof EVENTS)[number]['event']>
const everyEvent: [Missing] extends [never] ? true : Missing = true
void everyEvent

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, string> = {
  pending: 'Pending',
  succeeded: 'Delivered',
  failed: 'Failed',
}

export const deliveryBadge = (status: DeliveryStatus) => <span class={`status status-${status}`}>{DELIVERY_STATUS_LABELS[status]}</span>

/** The events as checkboxes in a fieldset, with the API's error for `events` under them. */
export function EventsField({
  value,
  onChange,
  error,
}: {
  value: WebhookEvent[]
  onChange: (events: WebhookEvent[]) => void
  error: string | undefined
}) {
  const errorId = useId()
  return (
    <fieldset class={error ? 'field has-error webhook-events' : 'field webhook-events'} aria-describedby={error ? errorId : undefined}>
      <legend>Events</legend>
      <div class="webhook-event-grid">
        {EVENTS.map(({ event, label }) => (
          <label class="webhook-check" key={event}>
            <input
              type="checkbox"
              name="events"
              value={event}
              checked={value.includes(event)}
              onChange={(e) =>
                onChange(
                  e.currentTarget.checked
                    ? EVENTS.map((item) => item.event).filter((item) => item === event || value.includes(item))
                    : value.filter((item) => item !== event),
                )
              }
            />{' '}
            <code>{event}</code> <span class="hint">{label}</span>
          </label>
        ))}
      </div>
      {error ? (
        <p class="error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  )
}

/** What the create and edit forms hold. */
export type WebhookDraft = { url: string; description: string; events: WebhookEvent[]; active: boolean }

export const draftOf = (hook: Webhook | undefined): WebhookDraft =>
  hook
    ? { url: hook.url, description: hook.description, events: hook.events, active: hook.status === 'active' }
    : { url: '', description: '', events: [], active: true }

/** The body of a create or an edit. */
export const bodyOf = (draft: WebhookDraft) => ({
  url: draft.url.trim(),
  description: draft.description.trim(),
  events: draft.events,
  status: draft.active ? ('active' as const) : ('paused' as const),
})

/** The fields of both forms (URL, description, events, active), each with the API's error for it. */
export function WebhookFields({
  draft,
  onChange,
  problem,
}: {
  draft: WebhookDraft
  onChange: (draft: WebhookDraft) => void
  problem: FormProblem | undefined
}) {
  const set = (changes: Partial<WebhookDraft>) => onChange({ ...draft, ...changes })
  return (
    <>
      <Field
        label="URL"
        name="url"
        type="url"
        inputMode="url"
        autocomplete="off"
        hint="Where to POST each event (http or https)."
        value={draft.url}
        error={problem?.fields.url}
        onInput={(e) => set({ url: e.currentTarget.value })}
      />
      <Field
        label="Description"
        name="description"
        hint="Optional: what receives it."
        value={draft.description}
        error={problem?.fields.description}
        onInput={(e) => set({ description: e.currentTarget.value })}
      />
      <EventsField value={draft.events} onChange={(events) => set({ events })} error={problem?.fields.events} />
      <label class="webhook-check">
        <input type="checkbox" name="active" checked={draft.active} onChange={(e) => set({ active: e.currentTarget.checked })} /> Active
        (off: paused, no new deliveries)
      </label>
    </>
  )
}

/** The signing secret, shown this once (after a create or a rotation), with a button that copies it. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>(undefined)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('yes')
    } catch {
      setCopied('no')
    }
  }
  return (
    <div class="notice success webhook-secret" role="status">
      <p>
        <strong>The signing secret, shown this once:</strong> store it where the receiver can verify signatures with it.
      </p>
      <code class="webhook-secret-value">{secret}</code>
      <div class="actions">
        <Button onClick={copy}>Copy the secret</Button>
        <Button onClick={onDone}>I have stored it</Button>
      </div>
      {copied ? (
        <p aria-live="polite">{copied === 'yes' ? 'Copied.' : 'The browser did not allow copying: select the secret and copy it.'}</p>
      ) : null}
    </div>
  )
}
