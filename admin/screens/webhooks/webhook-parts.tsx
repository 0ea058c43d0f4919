// What the two webhook screens share: the events a subscription may ask for (as the API
// documents them, POST /api/v1/webhooks), the events fieldset, the secret shown once with
// a copy button, and the delivery status badge.
import { useId, useState } from 'preact/hooks'
import type { Schemas } from '../../api.ts'
import { Button } from '../../ui/button.tsx'

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
