import { Link } from '../app/router.tsx'

/** A screen whose record could not be loaded (none with that id, or the API refused): why, and the way back to its list. */
export function LoadFailed({ title, message, back, backLabel }: { title: string; message: string; back: string; backLabel: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p class="notice error" role="alert">
        {message}
      </p>
      <Link href={back}>{backLabel}</Link>
    </section>
  )
}
