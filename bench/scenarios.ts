/**
 * What the bench loads. Each scenario is one request, sent over and over by
 * autocannon; the bare-node baseline answers it with the same body bytes,
 * content-type and content-encoding the app answers, so the ratio is Plinth's
 * own overhead. Add a scenario here when an issue brings a route worth timing.
 */
export type Scenario = {
  name: string
  path: string
  /** default GET */
  method?: string
  /** Sent with every request; give its content-type in `headers`. */
  body?: string
  /** Sent with every request (and with the one request that fetches the body for the baseline). */
  headers?: Record<string, string>
  /** The status every response must have; default 200. */
  status?: number
  /** A target from the issues: the app's CPU per request must be at most 1/minCpuRatio of bare node's. */
  minCpuRatio?: number
}

export const scenarios: Scenario[] = [
  { name: 'GET /healthz', path: '/healthz', minCpuRatio: 0.65 },
  { name: 'GET /api/v1/site', path: '/api/v1/site' },
]
