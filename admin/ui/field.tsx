import type { ComponentChildren, JSX } from 'preact'

type Common = {
  /** The visible label (every control has one). */
  label: string
  /** The control's name and id; the API's field name, so `errors[name]` lands here. */
  name: string
  /** A hint under the label. */
  hint?: ComponentChildren
  /** The API's message for this field (problemOf(...).fields[name]). */
  error?: string | undefined
}

type InputProps = Common & { as?: 'input' } & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'name' | 'label'>
type TextAreaProps = Common & { as: 'textarea' } & Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, 'name' | 'label'>
type SelectProps = Common & { as: 'select'; children: ComponentChildren } & Omit<
    JSX.SelectHTMLAttributes<HTMLSelectElement>,
    'name' | 'label'
  >

/**
 * A labelled form control with its hint and error, tied to it by
 * aria-describedby (and aria-invalid when there is an error).
 */
export function Field(props: InputProps | TextAreaProps | SelectProps) {
  const { label, name, hint, error, as = 'input', ...control } = props
  const id = `field-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  const shared = { id, name, 'aria-describedby': described, 'aria-invalid': error ? true : undefined }
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {as === 'textarea' ? (
        <textarea {...(control as JSX.TextareaHTMLAttributes<HTMLTextAreaElement>)} {...shared} />
      ) : as === 'select' ? (
        <select {...(control as JSX.SelectHTMLAttributes<HTMLSelectElement>)} {...shared} />
      ) : (
        <input {...(control as JSX.InputHTMLAttributes<HTMLInputElement>)} {...shared} />
      )}
      {error ? (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  )
}

/** A form's message that concerns no single field (role=alert: read out when it appears). */
export function FormError({ message }: { message: string | undefined }) {
  if (!message) return null
  return (
    <p class="notice error" role="alert">
      {message}
    </p>
  )
}
