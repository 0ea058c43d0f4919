import { randomBytes } from 'node:crypto'
import { type Clock, systemClock } from '#core/clock.ts'
import type { Db } from '#core/db/database.ts'
import { conflict } from '#core/http/errors.ts'
import { createContent, publishContent, scheduleContent } from '../content/content.service.ts'
import { slugify } from '../content/markdown.ts'
import type { TermKind } from '../content/terms.queries.ts'
import { createTerm, listTermPage } from '../content/terms.service.ts'
import { type MediaWithVariants, mediaUrl, type PreparedImage, storePreparedImage } from '../media/media.service.ts'
import type { MediaStore } from '../media/media.store.ts'
import { seedDemoProducts } from '../products/seed-products.ts'
import { listSettings, upsertSetting } from '../settings/settings.queries.ts'
import { updateSettings } from '../settings/settings.service.ts'
import { hashPassword } from '../users/login/passwords.ts'
import { findUserByEmail, insertUser } from '../users/users.queries.ts'
import type { Role } from '../users/users.schemas.ts'
import { composeBody } from './demo.bodies.ts'
import {
  AUTHORS,
  type AuthorKey,
  CATEGORIES,
  type CategoryKey,
  type DemoPost,
  DRAFTS,
  FIGURES,
  PAGES,
  POSTS,
  SCHEDULED,
  SITE,
  TAGS,
} from './demo.corpus.ts'
import { readDemoImages } from './demo.images.ts'
import { backdatePost, findTakenSlugs } from './demo.queries.ts'

/** The setting that says the demo is in: written last, so a second run finds it and does nothing. */
export const DEMO_MARKER = 'demo_seeded'

/** The most published posts the corpus has; the default. */
export const DEMO_POSTS_MAX = POSTS.length

const DAY_MS = 24 * 3600 * 1000

export type SeedOptions = {
  /** How many published posts (1 to DEMO_POSTS_MAX; default all). Tests use a few; the CLI's default is the full site. */
  posts?: number
  /** Progress lines (the images take a while). */
  log?: (line: string) => void
  /** "Now", for the back-dated publication times and the scheduled post (tests set the hour). */
  clock?: Clock
}

export type SeedSummary = {
  authors: number
  tags: number
  categories: number
  published: number
  drafts: number
  scheduled: number
  pages: number
  images: number
  variants: number
  imageSeconds: number
  seconds: number
}

export type SeedResult = { status: 'seeded'; summary: SeedSummary } | { status: 'already_seeded'; seededAt: string }

type Author = { id: number; role: Role }

/**
 * Fills a site with demo content (`plinth seed demo`): site info, three staff
 * accounts with random passwords nobody knows, tags and categories, published
 * posts with Markdown bodies, covers and charts, pages, two drafts and one
 * scheduled post, all written through the content, media and settings services
 * as the API would. The images ship pre-encoded with their variants
 * (demo.images.ts) and are stored as they are, so the site is complete when this
 * returns, in seconds. Published dates are moved back over the past months, a week apart.
 *
 * Idempotent: the `demo_seeded` setting is written last, and a run that finds it
 * does nothing. A site that already has content at one of the demo's slugs (its
 * own, or a seed that stopped part-way) gets a 409 before anything is written.
 * Two shortcuts past other features' services (STYLE §1), because no service
 * offers these: staff accounts with a password nobody chose (users.queries), and
 * a setting of the seed's own (settings.queries).
 */
export async function seedDemo(db: Db, store: MediaStore, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const clock = options.clock ?? systemClock
  const count = options.posts ?? DEMO_POSTS_MAX
  if (!Number.isInteger(count) || count < 1 || count > DEMO_POSTS_MAX) {
    throw new RangeError(`the number of posts must be from 1 to ${DEMO_POSTS_MAX} (got ${count})`)
  }
  const [marker] = await listSettings(db, [DEMO_MARKER])
  if (marker) return { status: 'already_seeded', seededAt: (marker.value as { seeded_at?: string }).seeded_at ?? 'earlier' }

  const published = POSTS.slice(0, count)
  const everyPost = [...published, ...DRAFTS, SCHEDULED]
  const taken = await findTakenSlugs(
    db,
    everyPost.map((post) => slugify(post.title)),
    PAGES.map((page) => page.slug),
  )
  if (taken.length > 0) {
    const where = taken.map((row) => (row.type === 'post' ? `/blog/${row.slug}` : `/${row.slug}`)).join(', ')
    throw conflict(
      `this site already has content at ${where}. The demo fills a new site; if an earlier seed stopped part-way, start again from an empty database.`,
    )
  }

  await updateSettings(db, null, SITE, { ip: 'cli', userAgent: 'plinth seed demo' })
  const authors = await ensureAuthors(db)
  const tagIds = await ensureTerms(db, 'tags', TAGS)
  const categoryIds = await ensureTerms(db, 'categories', CATEGORIES)
  log(`site info, ${AUTHORS.length} authors, ${TAGS.length} tags, ${CATEGORIES.length} categories`)

  // Images: the demo's pictures ship encoded with their variants (demo.images.ts)
  // and are stored as they are. A cover per post, its category's designs in turn;
  // the charts some bodies embed.
  const imagesStarted = performance.now()
  const stock = readDemoImages()
  const figurePosts = published.map((_, i) => i).filter((i) => i % 3 === 1)
  const figureCount = Math.min(FIGURES.length, figurePosts.length, stock.charts.length)
  const coversTaken = new Map<string, number>()
  const jobs: { owner: Author; image: PreparedImage }[] = [
    ...everyPost.map((post) => {
      const designs = stock.covers[post.category] ?? []
      const n = coversTaken.get(post.category) ?? 0
      coversTaken.set(post.category, n + 1)
      const design = designs[n % designs.length]
      if (!design) throw new Error(`the demo images have no cover for the category ${post.category}`)
      return { owner: authorOf(authors, post), image: { ...design, filename: `${slugify(post.title, 60)}.jpg` } }
    }),
    ...FIGURES.slice(0, figureCount).map((figure, i) => ({
      owner: authors.get('jonas') as Author,
      image: { ...(stock.charts[i] as PreparedImage), filename: `${slugify(figure.title, 60)}.png`, alt: figure.alt },
    })),
  ]
  let variants = 0
  let images = 0
  const media: MediaWithVariants[] = []
  for (const job of jobs) {
    const stored = await storePreparedImage(db, store, job.owner, job.image)
    media.push(stored)
    variants += stored.variants.length
    images++
    if (images % 10 === 0 || images === jobs.length) log(`images: ${images}/${jobs.length}`)
  }
  const covers = media.slice(0, everyPost.length)
  const charts = media.slice(everyPost.length)
  const imageSeconds = (performance.now() - imagesStarted) / 1000

  // Posts, oldest first, so ids grow with publication dates; a week apart, ending a few days ago.
  const now = clock().getTime()
  const written: { title: string; slug: string; category: CategoryKey }[] = []
  const write = async (post: DemoPost, index: number) => {
    const slug = slugify(post.title)
    const figureAt = figurePosts.indexOf(index)
    const chart = figureAt >= 0 && charts.length > 0 ? figureAt % charts.length : -1
    const figure = charts[chart] && {
      url: mediaUrl(charts[chart]),
      alt: charts[chart].alt,
      caption: `${FIGURES[chart]?.title}. Figures from our own logs, rounded.`,
    }
    const body = composeBody({ index, post, figure, related: written.filter((w) => w.category === post.category) })
    const cover = covers[index] as MediaWithVariants
    const { row } = await createContent(db, 'post', authorOf(authors, post), {
      title: post.title,
      slug,
      body,
      excerpt: post.dek,
      seo_description: post.dek,
      cover: { id: cover.id },
      tags: post.tags.map((key) => ({ id: tagIds.get(key) as number })),
      categories: [{ id: categoryIds.get(post.category) as number }],
    })
    return { id: row.id, slug }
  }
  for (const [i, post] of published.entries()) {
    const { id, slug } = await write(post, i)
    await publishContent(db, 'post', id)
    const publishedAt = morningOf(now - ((published.length - i) * 7 + 2) * DAY_MS, i)
    await backdatePost(db, id, new Date(publishedAt.getTime() - (1 + (i % 4)) * DAY_MS), publishedAt)
    written.push({ title: post.title, slug, category: post.category })
    if ((i + 1) % 10 === 0) log(`posts: ${i + 1}/${published.length}`)
  }
  for (const [i, draft] of DRAFTS.entries()) await write(draft, published.length + i)
  const scheduled = await write(SCHEDULED, published.length + DRAFTS.length)
  await scheduleContent(db, 'post', scheduled.id, morningOf(now + 6 * DAY_MS, 0), clock())

  // Pages went up before the first post.
  const launch = morningOf(now - (published.length * 7 + 5) * DAY_MS, 0)
  const editor = authors.get('maya') as Author
  for (const page of PAGES) {
    const { row } = await createContent(db, 'page', editor, {
      title: page.title,
      slug: page.slug,
      body: page.body,
      excerpt: page.excerpt,
      seo_description: page.excerpt,
    })
    await publishContent(db, 'page', row.id)
    await backdatePost(db, row.id, new Date(launch.getTime() - DAY_MS), launch)
  }

  // The shop (issue 11): products in a category tree, with attributes and variants, shown with the pictures above.
  await seedDemoProducts(db, log)

  const summary: SeedSummary = {
    authors: authors.size,
    tags: tagIds.size,
    categories: categoryIds.size,
    published: published.length,
    drafts: DRAFTS.length,
    scheduled: 1,
    pages: PAGES.length,
    images,
    variants,
    imageSeconds,
    seconds: (performance.now() - started) / 1000,
  }
  await upsertSetting(db, DEMO_MARKER, { seeded_at: clock().toISOString(), posts: summary.published, pages: summary.pages })
  return { status: 'seeded', summary }
}

const authorOf = (authors: Map<AuthorKey, Author>, post: DemoPost) => authors.get(post.author) as Author

/** 08:00–08:59 UTC on the day of `time` (minutes vary with `n`), like a writer's morning post. */
function morningOf(time: number, n: number): Date {
  const date = new Date(time)
  date.setUTCHours(8, (n * 17) % 60, 0, 0)
  return date
}

/** The demo's staff, created once with a random password nobody knows (they can be given one by a reset). */
async function ensureAuthors(db: Db): Promise<Map<AuthorKey, Author>> {
  const authors = new Map<AuthorKey, Author>()
  for (const author of AUTHORS) {
    const existing = await findUserByEmail(db, author.email)
    const user =
      existing ??
      (await insertUser(db, {
        email: author.email,
        name: author.name,
        passwordHash: await hashPassword(randomBytes(32).toString('base64url')),
        role: author.role,
      }))
    authors.set(author.key, { id: user.id, role: user.role })
  }
  return authors
}

/** The ids of the demo's tags or categories, creating those the site does not have yet (matched by slug). */
async function ensureTerms<K extends string>(db: Db, kind: TermKind, terms: readonly { key: K; name: string }[]) {
  const existing = new Map<string, number>()
  for (let afterId: number | undefined; ; ) {
    const { rows: page } = await listTermPage(db, kind, {
      limit: 100,
      sort: 'oldest',
      after: afterId === undefined ? undefined : { key: null, id: afterId },
      withTotal: false,
    })
    for (const term of page.slice(0, 100)) existing.set(term.slug, term.id)
    if (page.length <= 100) break
    afterId = page[99]?.id
  }
  const ids = new Map<K, number>()
  for (const term of terms) {
    const slug = slugify(term.name, 100)
    ids.set(term.key, existing.get(slug) ?? (await createTerm(db, kind, { name: term.name, slug })).id)
  }
  return ids
}
