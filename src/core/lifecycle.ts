/**
 * Where the process is in its life, as the load balancer should see it:
 * `starting` until the database is open and migrated, `ready` while serving,
 * `stopping` from the first shutdown signal. /readyz answers 200 only when ready.
 */
export type LifecycleState = 'starting' | 'ready' | 'stopping'

export class Lifecycle {
  state: LifecycleState = 'starting'
}
