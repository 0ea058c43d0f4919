/** A date and time in the reader's locale. */
export const when = (iso: string | null) =>
  iso === null ? '—' : new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
