import type { ComponentChildren, JSX } from 'preact'

type ButtonProps = Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, 'type'> & {
  type?: 'button' | 'submit'
  variant?: 'primary' | 'secondary' | 'danger'
  /** A slow action under way: the button is disabled and says so (aria-busy). */
  busy?: boolean
  disabled?: boolean
  children: ComponentChildren
}

/** A button: `primary` for a screen's main action, `danger` for deleting; `busy` while its call runs. */
export function Button({
  type = 'button',
  variant = 'secondary',
  busy = false,
  disabled,
  children,
  class: className,
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={['button', variant, className].filter(Boolean).join(' ')}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
    >
      {busy ? <span class="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  )
}
