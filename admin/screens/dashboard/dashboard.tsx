// The dashboard: where the admin starts after signing in.
import { useSession } from '../../app/session.tsx'

export default function Dashboard() {
  const { me } = useSession()
  return (
    <section>
      <h1>Dashboard</h1>
      <p>Welcome, {me?.name}.</p>
    </section>
  )
}
