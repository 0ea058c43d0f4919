/**
 * The time, as one injectable function (issue 8, part 1). Code that decides by
 * the time (expiry, scheduling, throttle windows, back-dating) takes a `Clock`
 * instead of calling `Date.now()` or SQL `now()`, so a test can set the hour and
 * the date it runs at. The server passes `systemClock`.
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
