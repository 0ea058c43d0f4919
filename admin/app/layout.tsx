// The signed-in frame: a skip link, the header (the site, the navigation the role allows,
// the user and sign-out) and the main region, focused after each navigation so a screen
// reader starts on the new screen.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { hasRole } from '../api.ts'
import { Toasts } from '../ui/toast.tsx'
import { Link, useLocation } from './router.tsx'
import { NAV_GROUPS, routes } from './routes.tsx'
import { useSession } from './session.tsx'

export function Layout({ title, children }: { title: string; children: ComponentChildren }) {
  const { me, signOut } = useSession()
  const where = useLocation()
  const [menuOpen, setMenuOpen] = useState(false)
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)
  // Focus the new screen after a navigation (not on the first load: the browser starts at the top).
  useEffect(() => {
    setMenuOpen(false)
    if (first.current) first.current = false
    else main.current?.focus()
  }, [where.path])

  const listed = routes.filter((route) => route.nav && route.access !== 'public' && hasRole(me?.role, route.access))
  const isCurrent = (path: string) => where.path === path || (path !== '/admin' && where.path.startsWith(`${path}/`))
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link class="brand" href="/admin">
          Plinth
        </Link>
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="admin-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <div class="account">
          <span class="who" title={me?.email}>
            {me?.name} <span class="role">({me?.role})</span>
          </span>
          <button type="button" class="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="admin-nav" class={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Admin">
        {NAV_GROUPS.map((group) => {
          const items = listed.filter((route) => route.nav === group)
          if (items.length === 0) return null
          return (
            <div class="nav-group" key={group}>
              <h2 class="nav-heading">{group}</h2>
              <ul>
                {items.map((route) => (
                  <li key={route.path}>
                    <Link href={route.path} aria-current={isCurrent(route.path) ? 'page' : undefined}>
                      {route.title}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          )
        })}
        <p class="nav-foot">
          <a href="/">View the site</a>
        </p>
      </nav>
      <main id="main" ref={main} tabIndex={-1} aria-label={title}>
        {children}
      </main>
      <Toasts />
    </div>
  )
}
