import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Polls `check` until it returns something truthy, and returns that. Throws,
 * naming `what`, when `timeoutMs` passes first. For waiting on background work
 * (jobs, mail) without fixed sleeps.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 10 } = options
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}
