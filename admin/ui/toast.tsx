import { useEffect, useState } from 'preact/hooks'

type Message = { id: number; text: string; kind: 'info' | 'error' }
let nextId = 1
const listeners = new Set<(messages: Message[]) => void>()
let messages: Message[] = []
const publish = () => {
  for (const listener of listeners) listener(messages)
}

/** Says something briefly (saved, deleted…) in a polite live region; errors stay until dismissed. */
export function toast(text: string, kind: 'info' | 'error' = 'info') {
  const message = { id: nextId++, text, kind }
  messages = [...messages, message]
  publish()
  if (kind === 'info') setTimeout(() => dismiss(message.id), 5000)
}

function dismiss(id: number) {
  messages = messages.filter((message) => message.id !== id)
  publish()
}

/** The layout's live region for toast() messages. */
export function Toasts() {
  const [shown, setShown] = useState(messages)
  useEffect(() => {
    listeners.add(setShown)
    return () => void listeners.delete(setShown)
  }, [])
  return (
    <div class="toasts" aria-live="polite">
      {shown.map((message) => (
        <div class={`toast ${message.kind}`} key={message.id}>
          <span>{message.text}</span>
          <button type="button" class="link-button" onClick={() => dismiss(message.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
