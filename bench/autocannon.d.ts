// The part of autocannon 9's programmatic API that bench/load.ts uses (the
// package ships no types, and @types/autocannon describes version 7).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  type Options = {
    url: string
    duration?: number
    connections?: number
    method?: string
    headers?: Record<string, string>
    body?: string
  }
  type Histogram = { average: number; max: number; p50: number; p99: number }
  type Result = {
    duration: number
    errors: number
    timeouts: number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram
    requests: Histogram
  }
  /** Emits 'response' (client, statusCode, bytes, responseTimeMs) for every response; awaits to the result. */
  type Instance = EventEmitter & PromiseLike<Result>
  export default function autocannon(options: Options): Instance
}
