// Your profile (/admin/profile, every signed-in user): name, e-mail and password;
// two-factor sign-in with a QR code and recovery codes; your active sessions; your
// personal API tokens. Each part is its own form with its own errors next to its fields.
import { useSession } from '../../app/session.tsx'
import { Account } from './account.tsx'
import { Sessions } from './sessions.tsx'
import { Tokens } from './tokens.tsx'
import { TwoFactor } from './two-factor.tsx'

export default function Profile() {
  const { me } = useSession()
  if (!me) return null
  return (
    <section class="people profile">
      <h1>Your profile</h1>
      <Account me={me} />
      <TwoFactor />
      <Sessions />
      <Tokens me={me} />
    </section>
  )
}
