import { type Db, sql } from '#core/db/database.ts'

type StatusCounts = { draft: number; scheduled: number; published: number; archived: number }
const zero = (): StatusCounts => ({ draft: 0, scheduled: 0, published: 0, archived: 0 })

/** Posts and pages by type and status (of one author when `authorId` is set): one grouped scan of the (type, status) index. */
export async function contentCounts(db: Db, authorId: number | null) {
  const { rows } = await sql<{ type: 'post' | 'page'; status: keyof StatusCounts; n: number }>`
    select type, status, count(*)::int as n from posts
     where ${authorId === null ? sql`true` : sql`author_id = ${authorId}`}
     group by type, status`.execute(db)
  const counts = { posts: zero(), pages: zero() }
  for (const row of rows) counts[row.type === 'post' ? 'posts' : 'pages'][row.status] = row.n
  return counts
}

/** One count(*) of a fixed statement (the statements below are constants, never built from input). */
const countOf = async (db: Db, statement: ReturnType<typeof sql<{ n: number }>>) => (await statement.execute(db)).rows[0]?.n ?? 0

export const countMedia = (db: Db) => countOf(db, sql<{ n: number }>`select count(*)::int as n from media`)
export const countProducts = (db: Db) => countOf(db, sql<{ n: number }>`select count(*)::int as n from products`)
export const countNewSubmissions = (db: Db) =>
  countOf(db, sql<{ n: number }>`select count(*)::int as n from form_submissions where status = 'new'`)
export const countDeadJobs = (db: Db) => countOf(db, sql<{ n: number }>`select count(*)::int as n from jobs where status = 'dead'`)
export const countFailedDeliveries = (db: Db) =>
  countOf(db, sql<{ n: number }>`select count(*)::int as n from webhook_deliveries where status = 'failed'`)

export async function recentPosts(db: Db, authorId: number | null) {
  const { rows } = await sql<{ id: string; type: 'post' | 'page'; title: string; status: string; author_name: string; updated_at: Date }>`
    select p.id, p.type, p.title, p.status, u.name as author_name, p.updated_at
      from posts p join users u on u.id = p.author_id
     where ${authorId === null ? sql`true` : sql`p.author_id = ${authorId}`}
     order by p.updated_at desc, p.id desc limit 5`.execute(db)
  return rows.map((row) => ({ ...row, id: Number(row.id), updated_at: row.updated_at.toISOString() }))
}

export async function newSubmissions(db: Db) {
  const { rows } = await sql<{ id: string; form_id: string; form_name: string; created_at: Date }>`
    select s.id, s.form_id, f.name as form_name, s.created_at
      from form_submissions s join forms f on f.id = s.form_id
     where s.status = 'new'
     order by s.created_at desc, s.id desc limit 5`.execute(db)
  return rows.map((row) => ({ ...row, id: Number(row.id), form_id: Number(row.form_id), created_at: row.created_at.toISOString() }))
}

export async function deadJobs(db: Db) {
  const { rows } = await sql<{ id: string; name: string; attempts: number; last_error: string | null; updated_at: Date }>`
    select id, name, attempts, last_error, updated_at from jobs where status = 'dead'
     order by updated_at desc, id desc limit 5`.execute(db)
  return rows.map((row) => ({ ...row, id: Number(row.id), updated_at: row.updated_at.toISOString() }))
}

export async function failedDeliveries(db: Db) {
  const { rows } = await sql<{ id: string; subscription_id: string; event_type: string; attempts: number; updated_at: Date }>`
    select id, subscription_id, event_type, attempts, updated_at from webhook_deliveries where status = 'failed'
     order by updated_at desc, id desc limit 5`.execute(db)
  return rows.map((row) => ({
    ...row,
    id: Number(row.id),
    subscription_id: Number(row.subscription_id),
    updated_at: row.updated_at.toISOString(),
  }))
}

export async function securityEvents(db: Db) {
  const { rows } = await sql<{ id: string; event: string; user_email: string | null; ip: string | null; created_at: Date }>`
    select a.id, a.event, u.email as user_email, a.ip, a.created_at
      from audit_log a left join users u on u.id = a.user_id
     order by a.created_at desc, a.id desc limit 5`.execute(db)
  return rows.map((row) => ({ ...row, id: Number(row.id), created_at: row.created_at.toISOString() }))
}
