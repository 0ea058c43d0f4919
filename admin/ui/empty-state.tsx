import type { ComponentChildren } from 'preact'

/** What a list shows when it has nothing: what would be here, and how to add the first. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty-state">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  )
}
