import type { ComponentChildren } from 'preact'
import { Button } from './button.tsx'
import { Modal } from './dialog.tsx'

/**
 * A modal question before something that cannot be undone (ui/dialog.tsx's Modal: focus
 * moves into it and stays there; Escape cancels, except while `busy`). Render it while `open`.
 */
export function Confirm({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  onConfirm,
  onCancel,
}: {
  open: boolean
  title: string
  children?: ComponentChildren
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  return (
    <Modal open={open} title={title} onCancel={onCancel} locked={busy} class="confirm">
      {children}
      <div class="actions">
        <Button onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button variant={danger ? 'danger' : 'primary'} busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </Button>
      </div>
    </Modal>
  )
}
