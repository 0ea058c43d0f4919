// THE list of admin screens. Each entry: the path pattern (`:name` for a parameter),
// the page title, where it shows in the navigation (a group; none: not listed), who may
// open it (`public`: signed out too, drawn without the navigation; otherwise the
// minimum role), and the screen's lazy loader (one chunk per screen; the default export
// is the screen component). The first matching entry wins; add yours in its group.
import type { ComponentType } from 'preact'
import type { Role } from '../api.ts'
import { matchPath } from './router.tsx'

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
  { path: '/admin/setup', title: 'Set up Plinth', access: 'public', load: () => import('../screens/auth/setup.tsx') },
  {
    path: '/admin/password-reset',
    title: 'Reset your password',
    access: 'public',
    load: () => import('../screens/auth/password-reset.tsx'),
  },
  {
    path: '/admin/password-reset/confirm',
    title: 'Choose a new password',
    access: 'public',
    load: () => import('../screens/auth/password-reset-confirm.tsx'),
  },
  {
    path: '/admin/verify-email',
    title: 'Confirm your email address',
    access: 'public',
    load: () => import('../screens/auth/verify-email.tsx'),
  },

  // Overview.
  { path: '/admin', title: 'Dashboard', nav: 'Overview', access: 'member', load: () => import('../screens/dashboard/dashboard.tsx') },

  // Content (H6): one list screen and one editor for posts and pages (the path says which).
  { path: '/admin/posts', title: 'Posts', nav: 'Content', access: 'author', load: () => import('../screens/content/list.tsx') },
  { path: '/admin/posts/:id', title: 'Post', access: 'author', load: () => import('../screens/content/editor.tsx') },
  { path: '/admin/pages', title: 'Pages', nav: 'Content', access: 'author', load: () => import('../screens/content/list.tsx') },
  { path: '/admin/pages/:id', title: 'Page', access: 'author', load: () => import('../screens/content/editor.tsx') },
  { path: '/admin/media', title: 'Media', nav: 'Content', access: 'author', load: () => import('../screens/media/library.tsx') },

  // Forms (issue 13): the builder and each form's submissions inbox; the forms API is for editors and admins.
  { path: '/admin/forms', title: 'Forms', nav: 'Forms', access: 'editor', load: () => import('../screens/forms/list.tsx') },
  { path: '/admin/forms/:id', title: 'Form', access: 'editor', load: () => import('../screens/forms/builder.tsx') },
  { path: '/admin/forms/:id/submissions', title: 'Submissions', access: 'editor', load: () => import('../screens/forms/inbox.tsx') },

  // Shop (issue 13, "Products"): the product API is for editors and admins.
  { path: '/admin/products', title: 'Products', nav: 'Shop', access: 'editor', load: () => import('../screens/products/list.tsx') },
  { path: '/admin/products/:id', title: 'Product', access: 'editor', load: () => import('../screens/products/editor.tsx') },
  {
    path: '/admin/product-categories',
    title: 'Product categories',
    nav: 'Shop',
    access: 'editor',
    load: () => import('../screens/products/categories.tsx'),
  },

  // People, Site and System (H7).
  { path: '/admin/users', title: 'Users', nav: 'People', access: 'admin', load: () => import('../screens/users/users.tsx') },
  { path: '/admin/profile', title: 'Your profile', nav: 'People', access: 'member', load: () => import('../screens/profile/profile.tsx') },
  {
    path: '/admin/accept-invitation',
    title: 'Accept an invitation',
    access: 'public',
    load: () => import('../screens/users/accept-invitation.tsx'),
  },
  { path: '/admin/settings', title: 'Settings', nav: 'Site', access: 'admin', load: () => import('../screens/settings/settings.tsx') },
  { path: '/admin/audit', title: 'Audit log', nav: 'System', access: 'admin', load: () => import('../screens/system/audit.tsx') },
  { path: '/admin/mail', title: 'Outgoing mail', nav: 'System', access: 'admin', load: () => import('../screens/system/mail.tsx') },
  { path: '/admin/jobs', title: 'Jobs', nav: 'System', access: 'admin', load: () => import('../screens/system/jobs.tsx') },
  { path: '/admin/webhooks', title: 'Webhooks', nav: 'System', access: 'admin', load: () => import('../screens/webhooks/list.tsx') },
  { path: '/admin/webhooks/:id', title: 'Webhook', access: 'admin', load: () => import('../screens/webhooks/detail.tsx') },
]

/** The screen for a path (without its query), with the path's parameters; undefined when there is none. */
export function findRoute(path: string): { route: AdminRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const params = matchPath(route.path, path)
    if (params) return { route, params }
  }
  return undefined
}
