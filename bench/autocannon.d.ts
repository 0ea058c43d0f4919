// The part of autocannon 9's programmatic API that bench/load.ts uses (the
// package ships no types, and @types/autocannon describes version 7).
declare module 'autocannon' {
  type Options = {
    url: string
    duration?: number
    connections?: number
    headers?: Record<string, string>
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
  export default function autocannon(options: Options): Promise<Result>
}
