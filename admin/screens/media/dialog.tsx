import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { Button } from '../../ui/button.tsx'

/**
 * A modal panel (the native <dialog>: focus moves in and stays; Escape closes), with a
 * heading and a Close button. Render it while `open`.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  wide = false,
}: {
  open: boolean
  title: string
  onClose: () => void
  children: ComponentChildren
  wide?: boolean
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const headingId = useRef(`dialog-${Math.random().toString(36).slice(2)}`).current
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])
  return (
    <dialog
      ref={dialog}
      class={wide ? 'panel wide' : 'panel'}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <div class="panel-head">
        <h2 id={headingId}>{title}</h2>
        <Button onClick={onClose}>Close</Button>
      </div>
      {open ? children : null}
    </dialog>
  )
}
