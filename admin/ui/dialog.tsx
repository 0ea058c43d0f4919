import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'
import { Button } from './button.tsx'

/**
 * A modal on the native <dialog>, shown while `open`: showModal() moves focus in and
 * keeps it there, Escape asks `onCancel` (ignored while `locked`, a call under way).
 * Titled by its <h2>, tied by an id of its own (useId), so two on a page do not clash.
 * `aside` goes beside the title (a Close button). The one base of Dialog and Confirm.
 */
export function Modal({
  open,
  title,
  onCancel,
  locked = false,
  class: className,
  aside,
  children,
}: {
  open: boolean
  title: string
  onCancel: () => void
  locked?: boolean
  class: string
  aside?: ComponentChildren
  children?: ComponentChildren
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const element = dialog.current
    if (!element) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])
  const heading = <h2 id={titleId}>{title}</h2>
  return (
    <dialog
      ref={dialog}
      class={className}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        if (!locked) onCancel()
      }}
    >
      {aside === undefined ? (
        heading
      ) : (
        <div class="panel-head">
          {heading}
          {aside}
        </div>
      )}
      {children}
    </dialog>
  )
}

/**
 * A modal panel with a heading and a Close button (Escape closes too); its content is
 * rendered only while `open`. `wide` for side-by-side content (a diff, a picker).
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
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      class={wide ? 'panel wide' : 'panel'}
      aside={<Button onClick={onClose}>Close</Button>}
    >
      {open ? children : null}
    </Modal>
  )
}
