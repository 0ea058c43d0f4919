/** Progress of something slow: a determinate bar with `value` (0 to 1), else a busy indicator; always labelled. */
export function Progress({ label, value }: { label: string; value?: number }) {
  return (
    <div class="progress" role="status">
      {value === undefined ? <span class="spinner" aria-hidden="true" /> : <progress value={value} max={1} aria-label={label} />}
      <span>{label}</span>
    </div>
  )
}
