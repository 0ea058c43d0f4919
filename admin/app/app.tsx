// The admin's root: finds the screen for the URL, checks the session and the role,
// loads the screen's chunk and draws it in the layout (or bare, for signed-out screens).
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, hasRole, signInPath, type User, whenSignedOut } from '../api.ts'
import { Button } from '../ui/button.tsx'
import { Progress } from '../ui/progress.tsx'
import { Layout } from './layout.tsx'
import { mayLeave, navigate, useLocation } from './router.tsx'
import { type AdminRoute, findRoute, type Screen } from './routes.tsx'
import { SessionContext } from './session.tsx'

const loaded = new Map<AdminRoute, Screen>()

export function App() {
  const where = useLocation()
  // undefined: asking the server who is signed in.
  const [me, setMe] = useState<User | null | undefined>(undefined)

  useEffect(() => {
    // A call answering authentication_required (expired or revoked session): sign in, then back here.
    whenSignedOut((next) => {
      setMe(null)
      // A signed-out visitor of a public screen (setup, password reset, an invitation) stays on it.
      if (findRoute(location.pathname.replace(/\/+$/, '') || '/')?.route.access === 'public') return
      navigate(signInPath(next), { replace: true })
    })
    api.GET('/api/v1/auth/me').then(
      ({ data }) => setMe(data ?? null),
      () => setMe(null),
    )
  }, [])

  const found = findRoute(where.path)
  const route = found?.route
  const title = route?.title ?? 'Not found'
  useEffect(() => {
    document.title = `${title} · Plinth admin`
  }, [title])

  const signOut = async () => {
    // An editor's unsaved changes ask first, as leaving by a link does.
    if (!(await mayLeave())) return
    await api.POST('/api/v1/auth/logout')
    setMe(null)
    navigate('/admin/sign-in')
  }
  const session = { me: me ?? null, setMe, signOut }

  if (me === undefined) return <Progress label="Loading the admin…" />

  if (route?.access === 'public') {
    return (
      <SessionContext.Provider value={session}>
        <main class="bare" id="main">
          <LazyScreen route={route} params={found?.params ?? {}} />
        </main>
      </SessionContext.Provider>
    )
  }
  if (me === null) return <Redirect to={signInPath(where.href)} />
  return (
    <SessionContext.Provider value={session}>
      <Layout title={title}>
        {!route ? (
          <NotFound />
        ) : !hasRole(me.role, route.access) ? (
          <Denied route={route} />
        ) : (
          <LazyScreen route={route} params={found?.params ?? {}} />
        )}
      </Layout>
    </SessionContext.Provider>
  )
}

/** Loads a screen's chunk once, showing progress; a failed load (a new deployment, the network) offers a reload. */
function LazyScreen({ route, params }: { route: AdminRoute; params: Record<string, string> }) {
  const [, setVersion] = useState(0)
  const [failed, setFailed] = useState<string | undefined>(undefined)
  const Component = loaded.get(route)
  const asked = useRef<AdminRoute | undefined>(undefined)
  useEffect(() => {
    if (Component || asked.current === route) return
    asked.current = route
    setFailed(undefined)
    route.load().then(
      (module) => {
        loaded.set(route, module.default)
        setVersion((version) => version + 1)
      },
      (error: unknown) => setFailed(error instanceof Error ? error.message : String(error)),
    )
  }, [route, Component])
  if (Component) return <Component params={params} />
  if (failed) {
    return (
      <div class="notice error" role="alert">
        <p>This screen could not be loaded ({failed}).</p>
        <Button onClick={() => location.reload()}>Reload</Button>
      </div>
    )
  }
  return <Progress label={`Loading ${route.title.toLowerCase()}…`} />
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return null
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no admin screen at this address.</p>
      <p>
        <a href="/admin">Go to the dashboard</a>
      </p>
    </section>
  )
}

function Denied({ route }: { route: AdminRoute }) {
  return (
    <section>
      <h1>{route.title}</h1>
      <p class="notice">This screen needs the {route.access} role or higher. An administrator can change your role.</p>
    </section>
  )
}
