import type { Clock } from '../src/core/clock.ts'

export type TestClock = Clock & { set: (iso: string | Date) => void; advance: (ms: number) => void }

/** A clock a test controls: it stands still at `start` until set or advanced. */
export function testClock(start: string | Date): TestClock {
  let time = new Date(start).getTime()
  const clock = (() => new Date(time)) as TestClock
  clock.set = (iso) => {
    time = new Date(iso).getTime()
  }
  clock.advance = (ms) => {
    time += ms
  }
  return clock
}

/** The two hours the time-travel tests run at (issue 8): just after midnight and just before it, UTC. */
export const TRICKY_HOURS = ['2026-03-14T00:30:00Z', '2026-03-14T23:30:00Z'] as const
