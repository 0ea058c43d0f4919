// The signed-in user (GET /api/v1/auth/me), shared by every screen through useSession().
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { User } from '../api.ts'

export type Session = {
  /** The signed-in user; null when signed out (only public screens render then). */
  me: User | null
  /** After signing in (or a change to the own account): the user as the API answered it. */
  setMe: (user: User | null) => void
  /** Signs out (POST /api/v1/auth/logout) and goes to the sign-in screen. */
  signOut: () => Promise<void>
}

export const SessionContext = createContext<Session>({ me: null, setMe: () => {}, signOut: async () => {} })

export const useSession = () => useContext(SessionContext)
