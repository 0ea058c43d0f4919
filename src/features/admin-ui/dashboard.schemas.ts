import { type Static, Type } from 'typebox'
import { named } from '#core/http/schemas.ts'

const Count = Type.Integer({ minimum: 0 })
const Time = Type.String({ format: 'date-time' })
/** A part only some roles see: null for the others. */
const ForSome = <Item extends Parameters<typeof Type.Array>[0]>(item: Item, who: string) =>
  Type.Union([Type.Array(item, { maxItems: 5 }), Type.Null()], { description: `the 5 newest; null unless ${who}` })
const CountForSome = (who: string) => Type.Union([Count, Type.Null()], { description: `null unless ${who}` })

const StatusCounts = Type.Object(
  { draft: Count, scheduled: Count, published: Count, archived: Count },
  { additionalProperties: false, description: 'by status; an author counts their own' },
)

export const Dashboard = named(
  'Dashboard',
  Type.Object(
    {
      counts: Type.Object(
        {
          posts: StatusCounts,
          pages: StatusCounts,
          media: Count,
          products: CountForSome('an editor or admin'),
          new_form_submissions: CountForSome('an editor or admin (status new, not spam)'),
          failed_jobs: CountForSome('an admin (jobs that gave up: status dead)'),
          failed_webhook_deliveries: CountForSome('an admin'),
        },
        { additionalProperties: false },
      ),
      recent_posts: Type.Array(
        Type.Object(
          {
            id: Type.Integer(),
            type: Type.Union([Type.Literal('post'), Type.Literal('page')]),
            title: Type.String(),
            status: Type.String(),
            author_name: Type.String(),
            updated_at: Time,
          },
          { additionalProperties: false },
        ),
        { maxItems: 5, description: 'the 5 last changed posts and pages (an author: their own)' },
      ),
      new_form_submissions: ForSome(
        Type.Object(
          { id: Type.Integer(), form_id: Type.Integer(), form_name: Type.String(), created_at: Time },
          { additionalProperties: false },
        ),
        'an editor or admin',
      ),
      failed_jobs: ForSome(
        Type.Object(
          {
            id: Type.Integer(),
            name: Type.String(),
            attempts: Type.Integer(),
            last_error: Type.Union([Type.String(), Type.Null()]),
            updated_at: Time,
          },
          { additionalProperties: false },
        ),
        'an admin',
      ),
      failed_webhook_deliveries: ForSome(
        Type.Object(
          { id: Type.Integer(), subscription_id: Type.Integer(), event_type: Type.String(), attempts: Type.Integer(), updated_at: Time },
          { additionalProperties: false },
        ),
        'an admin',
      ),
      security_events: ForSome(
        Type.Object(
          {
            id: Type.Integer(),
            event: Type.String(),
            user_email: Type.Union([Type.String(), Type.Null()]),
            ip: Type.Union([Type.String(), Type.Null()]),
            created_at: Time,
          },
          { additionalProperties: false },
        ),
        'an admin (the audit log)',
      ),
    },
    { additionalProperties: false },
  ),
)
export type Dashboard = Static<typeof Dashboard>
