/**
 * One load run, in its own process so it can sit on its own CPU: autocannon
 * against one URL for a fixed time, then the figures the bench needs as one
 * line of JSON on stdout.
 *
 *   node bench/load.ts --url http://127.0.0.1:8080/ --seconds 8 --connections 32 [--header 'name: value' ...]
 *                      [--method POST --body '{"a":1}'] [--exact-latency]
 *
 * --exact-latency also reports percentiles of every 2xx response's own
 * latency to the microsecond (autocannon's histogram keeps whole milliseconds).
 * --bodies <file> (a JSON array of strings) sends each request the next body of
 * the file instead of --body (the form scenario: a fresh render token each);
 * past the end it starts again, and says how many it reused.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

export type LoadResult = {
  seconds: number
  /** responses by status code */
  statuses: Record<string, number>
  errors: number
  timeouts: number
  /** latency of 2xx responses, in ms (autocannon records whole milliseconds) */
  latencyMs: { p50: number; p99: number; average: number; max: number }
  /** with --exact-latency: latency of 2xx responses in ms, to the µs */
  exactLatencyMs?: { p50: number; p99: number; max: number; count: number }
  /** with --bodies: how many bodies the requests took (built, not all of them sent), and how many were reused past the end */
  bodiesUsed?: number
  bodiesReused?: number
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    header: { type: 'string', multiple: true, default: [] },
    method: { type: 'string', default: 'GET' },
    body: { type: 'string' },
    bodies: { type: 'string' },
    'exact-latency': { type: 'boolean', default: false },
  },
})
if (values.url === undefined) throw new Error('--url is required')

const headers: Record<string, string> = {}
for (const header of values.header) {
  const colon = header.indexOf(':')
  headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim()
}

const bodies = values.bodies === undefined ? undefined : (JSON.parse(fs.readFileSync(values.bodies, 'utf8')) as string[])
let bodiesUsed = 0
const instance = autocannon({
  url: values.url,
  duration: Number(values.seconds),
  connections: Number(values.connections),
  method: values.method,
  headers,
  ...(values.body === undefined ? {} : { body: values.body }),
  ...(bodies === undefined || bodies.length === 0
    ? {}
    : {
        requests: [
          {
            setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[bodiesUsed++ % bodies.length] }),
          },
        ],
      }),
})
let latencies: number[] | undefined
if (values['exact-latency']) {
  const kept: number[] = []
  latencies = kept
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) kept.push(ms)
  })
}
const result = await instance

const output: LoadResult = {
  seconds: result.duration,
  statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count])),
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
}
if (bodies) {
  output.bodiesUsed = bodiesUsed
  output.bodiesReused = Math.max(0, bodiesUsed - bodies.length)
}
if (latencies) {
  const sorted = Float64Array.from(latencies).sort()
  // Nearest rank, rounded to the µs.
  const at = (q: number) => (sorted.length === 0 ? 0 : Math.round((sorted[Math.ceil(q * sorted.length) - 1] as number) * 1000) / 1000)
  output.exactLatencyMs = { p50: at(0.5), p99: at(0.99), max: at(1), count: sorted.length }
}
process.stdout.write(`${JSON.stringify(output)}\n`)
