/** Figures as the bench prints them, checked against their targets (recorded in the results). */
import { MB, NAME_WIDTH, results } from './context.ts'
import type { LoadResult } from './load.ts'

export type Run = {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** the server process's CPU per response, plus (PostgreSQL) its database backends' */
  cpuUsPerRequest: number
  /** of which the PostgreSQL backends serving the app's connections */
  databaseCpuUsPerRequest: number
  responses: number
  load: LoadResult
}
export type Summary = Pick<Run, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'cpuUsPerRequest' | 'databaseCpuUsPerRequest'>

/** `value ≤ limit`, recorded as a target; `s` shows a limit given in ms as seconds. */
export function check(what: string, value: number, limit: number, unit: 'ms' | 's' | 'MB') {
  const pass = value <= limit
  const shown = unit === 'MB' ? `${limit / MB} MB` : unit === 's' ? `${limit / 1000} s` : `${limit.toLocaleString('en')} ms`
  results.targets.push({ what, value, limit: `≤ ${shown}`, pass })
  return `target ≤ ${shown}`.padEnd(20) + (pass ? 'pass' : 'MISS')
}

export function ratioCheck(what: string, value: number, comparison: '≥' | '≤', limit: number) {
  const pass = comparison === '≥' ? value >= limit : value <= limit
  results.targets.push({ what, value, limit: `${comparison} ${limit}`, pass })
  return `target ${comparison} ${limit}×`.padEnd(20) + (pass ? 'pass' : 'MISS')
}

export function summarize(runs: Run[]): Summary {
  const pick = (key: keyof Summary) => median(runs.map((run) => run[key]))
  return {
    requestsPerSecond: pick('requestsPerSecond'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    cpuUsPerRequest: pick('cpuUsPerRequest'),
    databaseCpuUsPerRequest: pick('databaseCpuUsPerRequest'),
  }
}

export function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function printFigure(label: string, value: string, target: string) {
  console.log(`  ${label.padEnd(38)}${value.padStart(10)}   ${target}`)
}

export function printRun(scenario: string, server: string, run: Summary) {
  console.log(
    `  ${scenario.padEnd(NAME_WIDTH)}${server.padEnd(8)}${Math.round(run.requestsPerSecond).toLocaleString('en').padStart(9)}` +
      `${`${run.p50Ms} ms`.padStart(10)}${`${run.p99Ms} ms`.padStart(10)}${`${run.cpuUsPerRequest.toFixed(1)} µs`.padStart(14)}`,
  )
}

export function ms(value: number) {
  return `${Math.round(value).toLocaleString('en')} ms`
}

export function indent(text: string) {
  return text.replace(/^/gm, '    ')
}
