/**
 * The app's own top-level paths (issue 8, item 6): `/api`, `/blog`, `/media`,
 * `/feed.xml`… A page lives at `/{slug}`, and the app's own routes win over that
 * pattern, so a page whose slug is one of these segments could never be reached.
 * Every feature reserves the segments its routes use when the app is built (in
 * its routes function, beside those routes), and the content service refuses a
 * page slug that is taken. A test checks that every route's first segment is
 * reserved, so a feature that adds a top-level path cannot forget it.
 *
 * Built once with the other dependencies (src/deps.ts). Outside the app (the
 * CLI's demo seed) nothing is registered, and nothing is refused.
 */
export type ReservedPaths = {
  /** Reserves top-level segments for `owner` (a feature, named in messages). A segment reserved by two owners is a bug: it throws. */
  reserve(owner: string, segments: readonly string[]): void
  /** Who uses `segment`; undefined when it is free for a page. */
  ownerOf(segment: string): string | undefined
  /** Every reserved segment with its owner, sorted by segment. */
  list(): { segment: string; owner: string }[]
}

// One path segment: no slash, no query, not empty (`feed.xml` and `robots.txt` have dots).
const SEGMENT = /^[a-z0-9][a-z0-9._-]*$/

export function createReservedPaths(): ReservedPaths {
  const owners = new Map<string, string>()
  return {
    reserve(owner, segments) {
      for (const segment of segments) {
        if (!SEGMENT.test(segment)) throw new Error(`${owner}: not a top-level path segment: ${JSON.stringify(segment)}`)
        const taken = owners.get(segment)
        if (taken !== undefined && taken !== owner) throw new Error(`/${segment} is reserved by ${taken}; ${owner} cannot take it too`)
        owners.set(segment, owner)
      }
    },
    // Slugs are lower case; routes match case-sensitively, but /Blog beside /blog would only confuse.
    ownerOf: (segment) => owners.get(segment.toLowerCase()),
    list: () =>
      [...owners]
        .map(([segment, owner]) => ({ segment, owner }))
        .sort((a, b) => (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0)),
  }
}
