/**
 * One load run, in its own process so it can sit on its own CPU: autocannon
 * against one URL for a fixed time, then the figures the bench needs as one
 * line of JSON on stdout.
 *
 *   node bench/load.ts --url http://127.0.0.1:8080/ --seconds 8 --connections 32 [--header 'name: value' ...]
 */
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
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    header: { type: 'string', multiple: true, default: [] },
  },
})
if (values.url === undefined) throw new Error('--url is required')

const headers: Record<string, string> = {}
for (const header of values.header) {
  const colon = header.indexOf(':')
  headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim()
}

const result = await autocannon({
  url: values.url,
  duration: Number(values.seconds),
  connections: Number(values.connections),
  headers,
})

const output: LoadResult = {
  seconds: result.duration,
  statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stats]) => [code, stats.count])),
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
}
process.stdout.write(`${JSON.stringify(output)}\n`)
