// The dashboard (GET /api/v1/dashboard): counts, recent posts, new form submissions,
// failed jobs and webhook deliveries, recent security events. The API leaves out (null)
// what the role may not see, and so does the screen. A member has nothing to manage here.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, type FormProblem, hasRole, load, type Schemas } from '../../api.ts'
import { Link } from '../../app/router.tsx'
import { findRoute } from '../../app/routes.tsx'
import { useSession } from '../../app/session.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'

type Data = Schemas['Dashboard']
const when = (iso: string) => new Date(iso).toLocaleString()

/** A link to an admin screen, or the plain text while that screen does not exist yet. */
function ScreenLink({ href, children }: { href: string; children: ComponentChildren }) {
  return findRoute(href.split('?')[0] ?? href) ? <Link href={href}>{children}</Link> : <span>{children}</span>
}

export default function DashboardScreen() {
  const { me } = useSession()
  const [data, setData] = useState<Data | undefined>(undefined)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const canWrite = hasRole(me?.role, 'author')

  useEffect(() => {
    if (!canWrite) return
    load(api.GET('/api/v1/dashboard')).then(setData, setProblem)
  }, [canWrite])

  if (!canWrite) {
    return (
      <section>
        <h1>Dashboard</h1>
        <p>Welcome, {me?.name}.</p>
        <p>
          Your account can read the site and manage <Link href="/admin/profile">your profile</Link>. An administrator can give you a role to
          write.
        </p>
      </section>
    )
  }
  return (
    <section class="dashboard">
      <h1>Dashboard</h1>
      <p>Welcome, {me?.name}.</p>
      <FormError message={problem?.message} />
      {!data ? (
        problem ? null : (
          <Progress label="Loading the dashboard…" />
        )
      ) : (
        <>
          <Counts data={data} />
          <div class="dashboard-grid">
            <section aria-labelledby="recent-posts">
              <h2 id="recent-posts">Recent posts and pages</h2>
              {data.recent_posts.length === 0 ? (
                <EmptyState title="Nothing written yet">
                  <p>
                    <Link href="/admin/posts/new">Write your first post</Link>
                  </p>
                </EmptyState>
              ) : (
                <Table
                  caption="Recent posts and pages"
                  rows={data.recent_posts}
                  rowKey={(post) => post.id}
                  columns={[
                    {
                      header: 'Title',
                      cell: (post) => <Link href={`/admin/${post.type === 'post' ? 'posts' : 'pages'}/${post.id}`}>{post.title}</Link>,
                    },
                    { header: 'Status', cell: (post) => <span class={`status ${post.status}`}>{post.status}</span> },
                    { header: 'Author', cell: (post) => post.author_name },
                    { header: 'Changed', cell: (post) => when(post.updated_at) },
                  ]}
                />
              )}
            </section>
            {data.new_form_submissions ? (
              <section aria-labelledby="new-submissions">
                <h2 id="new-submissions">New form submissions</h2>
                {data.new_form_submissions.length === 0 ? (
                  <EmptyState title="No new submissions" />
                ) : (
                  <Table
                    caption="New form submissions"
                    rows={data.new_form_submissions}
                    rowKey={(item) => item.id}
                    columns={[
                      {
                        header: 'Form',
                        cell: (item) => <ScreenLink href={`/admin/forms/${item.form_id}/submissions`}>{item.form_name}</ScreenLink>,
                      },
                      { header: 'Received', cell: (item) => when(item.created_at) },
                    ]}
                  />
                )}
              </section>
            ) : null}
            {data.failed_jobs ? (
              <section aria-labelledby="failed-jobs">
                <h2 id="failed-jobs">Failed jobs</h2>
                {data.failed_jobs.length === 0 ? (
                  <EmptyState title="No failed jobs" />
                ) : (
                  <Table
                    caption="Failed jobs"
                    rows={data.failed_jobs}
                    rowKey={(job) => job.id}
                    columns={[
                      { header: 'Job', cell: (job) => <ScreenLink href="/admin/jobs?status=dead">{job.name}</ScreenLink> },
                      { header: 'Attempts', class: 'num', cell: (job) => job.attempts },
                      { header: 'Last error', cell: (job) => job.last_error ?? '' },
                      { header: 'When', cell: (job) => when(job.updated_at) },
                    ]}
                  />
                )}
              </section>
            ) : null}
            {data.failed_webhook_deliveries ? (
              <section aria-labelledby="failed-deliveries">
                <h2 id="failed-deliveries">Failed webhook deliveries</h2>
                {data.failed_webhook_deliveries.length === 0 ? (
                  <EmptyState title="No failed deliveries" />
                ) : (
                  <Table
                    caption="Failed webhook deliveries"
                    rows={data.failed_webhook_deliveries}
                    rowKey={(delivery) => delivery.id}
                    columns={[
                      {
                        header: 'Event',
                        cell: (delivery) => (
                          <ScreenLink href={`/admin/webhooks/${delivery.subscription_id}`}>{delivery.event_type}</ScreenLink>
                        ),
                      },
                      { header: 'Attempts', class: 'num', cell: (delivery) => delivery.attempts },
                      { header: 'When', cell: (delivery) => when(delivery.updated_at) },
                    ]}
                  />
                )}
              </section>
            ) : null}
            {data.security_events ? (
              <section aria-labelledby="security-events">
                <h2 id="security-events">Recent security events</h2>
                {data.security_events.length === 0 ? (
                  <EmptyState title="No events yet" />
                ) : (
                  <Table
                    caption="Recent security events"
                    rows={data.security_events}
                    rowKey={(event) => event.id}
                    columns={[
                      { header: 'Event', cell: (event) => event.event.replaceAll('_', ' ') },
                      { header: 'Account', cell: (event) => event.user_email ?? '' },
                      { header: 'From', cell: (event) => event.ip ?? '' },
                      { header: 'When', cell: (event) => when(event.created_at) },
                    ]}
                  />
                )}
                <p>
                  <ScreenLink href="/admin/audit">The whole audit log</ScreenLink>
                </p>
              </section>
            ) : null}
          </div>
        </>
      )}
    </section>
  )
}

function Counts({ data }: { data: Data }) {
  const { counts } = data
  const tiles: [string, number | null, string][] = [
    ['Published posts', counts.posts.published, '/admin/posts?status=published'],
    ['Drafts', counts.posts.draft + counts.pages.draft, '/admin/posts?status=draft'],
    ['Scheduled', counts.posts.scheduled + counts.pages.scheduled, '/admin/posts?status=scheduled'],
    ['Pages', counts.pages.published, '/admin/pages'],
    ['Media files', counts.media, '/admin/media'],
    ['Products', counts.products, '/admin/products'],
    ['New submissions', counts.new_form_submissions, '/admin/forms'],
    ['Failed jobs', counts.failed_jobs, '/admin/jobs?status=dead'],
    ['Failed deliveries', counts.failed_webhook_deliveries, '/admin/webhooks'],
  ]
  return (
    <ul class="counts" aria-label="Counts">
      {tiles
        .filter((tile): tile is [string, number, string] => tile[1] !== null)
        .map(([label, value, href]) => (
          <li key={label} class={label.startsWith('Failed') && value > 0 ? 'attention' : undefined}>
            <ScreenLink href={href}>
              <span class="count">{value}</span>
              <span class="count-label">{label}</span>
            </ScreenLink>
          </li>
        ))}
    </ul>
  )
}
