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
  /**
   * Runs on the demo site: the bench seeds it (`plinth seed demo`) before the
   * app's second start, and `{post}` in `path` becomes the slug of the newest
   * published post, `{post_id}` its id.
   */
  seeded?: boolean
  /** A target from the issues, on PostgreSQL: the app's CPU time per request, at most this many ms. */
  maxCpuMsPostgres?: number
  /**
   * Runs on a catalog of 100,000 products (bench/products.ts seeds it before the
   * app's second start); `{product_id}`, `{product_slug}` in `path` and
   * `{cookie}`, `{csrf}` in `headers` (an administrator's session) are filled in.
   */
  products?: boolean
}

/** What a browser sends for a page: the app compresses, and the baseline serves the same compressed bytes. */
const BROWSER = { accept: 'text/html', 'accept-encoding': 'br, gzip' }
/** A read that the response cache must not answer (it is measured uncached, as issue 11 asks of products). */
const NO_CACHE = { 'cache-control': 'no-cache' }

export const scenarios: Scenario[] = [
  { name: 'GET /healthz', path: '/healthz', minCpuRatio: 0.65 },
  { name: 'GET /api/v1/site', path: '/api/v1/site' },
  // Issue 4's targets for the public site and the content API (PostgreSQL, no page cache).
  { name: 'GET / (home)', path: '/', headers: BROWSER, seeded: true, maxCpuMsPostgres: 0.6 },
  { name: 'GET /blog/:slug (post)', path: '/blog/{post}', headers: BROWSER, seeded: true, maxCpuMsPostgres: 0.5 },
  // Issue 10's targets for render-ready posts (author, cover with srcset, terms; decision 0019).
  // Anonymous reads are answered from the response cache (decision 0024); the same reads with
  // `Cache-Control: no-cache` show what a miss costs (no target: printed for the record).
  { name: 'GET /api/v1/posts?limit=20', path: '/api/v1/posts?limit=20', seeded: true, maxCpuMsPostgres: 0.5 },
  { name: 'GET /api/v1/posts?slug=:slug', path: '/api/v1/posts?slug={post}', seeded: true, maxCpuMsPostgres: 0.3 },
  { name: 'GET /api/v1/posts/:id', path: '/api/v1/posts/{post_id}', seeded: true, maxCpuMsPostgres: 0.3 },
  { name: 'GET /api/v1/posts?limit=20, uncached', path: '/api/v1/posts?limit=20', headers: NO_CACHE, seeded: true },
  { name: 'GET /api/v1/posts?slug=:slug, uncached', path: '/api/v1/posts?slug={post}', headers: NO_CACHE, seeded: true },
  { name: 'GET /api/v1/posts/:id, uncached', path: '/api/v1/posts/{post_id}', headers: NO_CACHE, seeded: true },
  // Issue 11's targets at 100,000 products (PostgreSQL; server CPU per request including the database).
  {
    name: 'products: list, two filters, four facets',
    path: '/api/v1/products?category=seed-2&attr.colour=red&facets=category,price,colour,size',
    headers: NO_CACHE,
    products: true,
    maxCpuMsPostgres: 10,
  },
  {
    name: 'products: list, one filter',
    path: '/api/v1/products?category=seed-2-3',
    headers: NO_CACHE,
    products: true,
    maxCpuMsPostgres: 1,
  },
  {
    name: 'products: product (by slug)',
    path: '/api/v1/products?slug={product_slug}',
    headers: NO_CACHE,
    products: true,
    maxCpuMsPostgres: 1,
  },
  // The product's public page (issue 11's "product page ≤ 1 ms, anonymous, uncached"): one statement with the site.
  {
    name: 'products: product page (HTML)',
    path: '/products/{product_slug}',
    headers: BROWSER,
    products: true,
    maxCpuMsPostgres: 1,
  },
  {
    name: 'products: stock decrement',
    path: '/api/v1/products/{product_id}/stock',
    method: 'POST',
    body: '{"delta":-1}',
    headers: { 'content-type': 'application/json', cookie: '{cookie}', 'x-csrf-token': '{csrf}' },
    products: true,
    maxCpuMsPostgres: 1,
  },
]
