// A small client-side router over the History API: the URL is the state; screens
// read it with useLocation() and change it with navigate() or <Link>.
import type { ComponentChildren, JSX } from 'preact'
import { useEffect, useState } from 'preact/hooks'

const listeners = new Set<() => void>()
const notify = () => {
  for (const listener of listeners) listener()
}

const addressNow = () => location.pathname + location.search
/** The address of the screen drawn (path and query): what a refused Back or Forward puts back. */
let shown = addressNow()

/**
 * The question asked before the user leaves the screen by a <Link>, Back or Forward (ui/leave-guard.tsx
 * sets it while an editor has unsaved changes), answering whether to go. navigate() never asks: a
 * screen that navigates by itself (after saving or deleting) has decided already.
 */
type LeaveCheck = () => Promise<boolean>
let leaveCheck: LeaveCheck | undefined

/** Sets the question asked before leaving this screen; the function answered takes it away again. */
export function setLeaveCheck(check: LeaveCheck): () => void {
  leaveCheck = check
  return () => {
    if (leaveCheck === check) leaveCheck = undefined
  }
}

/** Whether the user may leave the screen (a question only when the screen set one). */
export const mayLeave = (): Promise<boolean> => (leaveCheck ? leaveCheck() : Promise.resolve(true))

// Back and Forward have moved the address already when popstate comes, and cannot be cancelled:
// a refusal puts the screen's address back as a new entry just after the one asked for, so that
// leaving after all is one step back (`passNext`), and the screen is never drawn for the other address.
let passNext = false
let asking = false
/** Counts navigate()'s moves: a Back answered "leave" takes no step when the same answer already moved (a link asked first). */
let moves = 0
addEventListener('popstate', () => {
  const to = addressNow()
  if (passNext || to === shown || (!leaveCheck && !asking)) {
    // (The same address: only the fragment changed, as the skip link does; nothing leaves.)
    passNext = false
    shown = to
    notify()
    return
  }
  history.pushState(null, '', shown)
  if (asking) return
  asking = true
  const movesBefore = moves
  void mayLeave().then((leave) => {
    asking = false
    if (!leave || moves !== movesBefore) return
    passNext = true
    history.back()
  })
})

/** Goes to `to` (a path under /admin, with its query) without reloading; `replace` keeps the history entry. */
export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  shown = addressNow()
  moves += 1
  notify()
}

/** Changes the address without a navigation: the screen stays as it is (a post just created: …/new becomes …/<id>). */
export function replaceAddress(to: string) {
  history.replaceState(null, '', to)
  shown = addressNow()
}

export type AdminLocation = { path: string; query: URLSearchParams; href: string }

const current = (): AdminLocation => ({
  path: location.pathname.replace(/\/+$/, '') || '/',
  query: new URLSearchParams(location.search),
  href: location.pathname + location.search,
})

/** The current location; the component renders again when it changes. */
export function useLocation(): AdminLocation {
  const [, setVersion] = useState(0)
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1)
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }, [])
  return current()
}

/** Changes one query parameter of the current screen (a list's filter or page), keeping the others. */
export function setQuery(changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) {
  const query = new URLSearchParams(location.search)
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === '') query.delete(name)
    else query.set(name, value)
  }
  const search = query.toString()
  navigate(`${location.pathname}${search ? `?${search}` : ''}`, options)
}

/** `pattern` such as /admin/posts/:id against a path: its parameters, or undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (const [index, part] of want.entries()) {
    const value = got[index] ?? ''
    if (part.startsWith(':')) {
      if (value === '') return undefined
      params[part.slice(1)] = decodeURIComponent(value)
    } else if (part !== value) return undefined
  }
  return params
}

type LinkProps = Omit<JSX.AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { href: string; children: ComponentChildren }

/** A link inside the admin: navigates without a reload, once the screen lets the user leave (a modified or middle click opens a tab as usual). */
export function Link({ href, onClick, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (typeof onClick === 'function') onClick(event)
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        void mayLeave().then((leave) => {
          if (leave) navigate(href)
        })
      }}
    />
  )
}
