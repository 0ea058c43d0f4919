import type { AppInstance } from '#core/http/schemas.ts'
import type { Deps } from '../../deps.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { hasRole, requireRole } from '../users/roles.ts'
import {
  contentCounts,
  countDeadJobs,
  countFailedDeliveries,
  countMedia,
  countNewSubmissions,
  countProducts,
  deadJobs,
  failedDeliveries,
  newSubmissions,
  recentPosts,
  securityEvents,
} from './dashboard.queries.ts'
import { Dashboard } from './dashboard.schemas.ts'

/**
 * GET /api/v1/dashboard (issue 13): the counts and short lists the admin's
 * dashboard shows, in one read-only call instead of a dozen list calls with
 * include_total. What a role sees is what it may list elsewhere: an author
 * their own posts and pages; an editor also products and new form submissions;
 * an admin also failed jobs, failed webhook deliveries and the audit log.
 */
export function dashboardRoutes(app: AppInstance, deps: Pick<Deps, 'db'>) {
  const { db } = deps
  app.get(
    '/api/v1/dashboard',
    {
      onRequest: requireRole('author'),
      schema: {
        operationId: 'getDashboard',
        tags: ['dashboard'],
        summary: 'Counts and recent activity for the admin dashboard',
        description:
          'Read-only. An author sees their own posts and pages; editors and admins all of them, the product count and new form submissions; admins also failed jobs, failed webhook deliveries and the latest security events (the parts a role does not see are null).',
        response: { 200: Dashboard },
      },
    },
    async (request) => {
      const { user } = request.actor as Actor
      const editor = hasRole(user.role, 'editor')
      const admin = hasRole(user.role, 'admin')
      const own = editor ? null : user.id
      const onlyIf = <T>(allowed: boolean, read: () => Promise<T>) => (allowed ? read() : Promise.resolve(null))
      const [content, media, products, submissions, jobs, deliveries, posts, recentSubmissions, recentJobs, recentDeliveries, events] =
        await Promise.all([
          contentCounts(db, own),
          countMedia(db),
          onlyIf(editor, () => countProducts(db)),
          onlyIf(editor, () => countNewSubmissions(db)),
          onlyIf(admin, () => countDeadJobs(db)),
          onlyIf(admin, () => countFailedDeliveries(db)),
          recentPosts(db, own),
          onlyIf(editor, () => newSubmissions(db)),
          onlyIf(admin, () => deadJobs(db)),
          onlyIf(admin, () => failedDeliveries(db)),
          onlyIf(admin, () => securityEvents(db)),
        ])
      return {
        counts: {
          ...content,
          media,
          products,
          new_form_submissions: submissions,
          failed_jobs: jobs,
          failed_webhook_deliveries: deliveries,
        },
        recent_posts: posts,
        new_form_submissions: recentSubmissions,
        failed_jobs: recentJobs,
        failed_webhook_deliveries: recentDeliveries,
        security_events: events,
      }
    },
  )
}
