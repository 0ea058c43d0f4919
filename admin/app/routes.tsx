// THE list of admin screens. Each entry: the path pattern (`:name` for a parameter),
// the page title, where it shows in the navigation (a group; none: not listed), who may
// open it (`public`: signed out too, drawn without the navigation; otherwise the
// minimum role), and the screen's lazy loader (one chunk per screen; the default export
// is the screen component). The first matching entry wins; add yours in its group.
import type { ComponentType } from 'preact'
import type { Role } from '../api.ts'

export type ScreenProps = { params: Record<string, string> }
export type Screen = ComponentType<ScreenProps>

export const NAV_GROUPS = ['Overview', 'Content', 'Shop', 'Forms', 'People', 'Site', 'System'] as const
export type NavGroup = (typeof NAV_GROUPS)[number]

export type AdminRoute = {
  path: string
  title: string
  nav?: NavGroup
  access: 'public' | Role
  load: () => Promise<{ default: Screen }>
}

export const routes: AdminRoute[] = [
  // Signed out (no navigation).
  { path: '/admin/sign-in', title: 'Sign in', access: 'public', load: () => import('../screens/auth/sign-in.tsx') },

  // Overview.
  { path: '/admin', title: 'Dashboard', nav: 'Overview', access: 'member', load: () => import('../screens/dashboard/dashboard.tsx') },

  // Content (H6): one list screen and one editor for posts and pages (the path says which).
  { path: '/admin/posts', title: 'Posts', nav: 'Content', access: 'author', load: () => import('../screens/content/list.tsx') },
  { path: '/admin/posts/:id', title: 'Post', access: 'author', load: () => import('../screens/content/editor.tsx') },
  { path: '/admin/pages', title: 'Pages', nav: 'Content', access: 'author', load: () => import('../screens/content/list.tsx') },
  { path: '/admin/pages/:id', title: 'Page', access: 'author', load: () => import('../screens/content/editor.tsx') },
  { path: '/admin/media', title: 'Media', nav: 'Content', access: 'author', load: () => import('../screens/media/library.tsx') },
]
