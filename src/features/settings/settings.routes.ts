import type { Db } from '#core/db/database.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import { SiteInfo } from './settings.schemas.ts'
import { getSiteInfo } from './settings.service.ts'

export function settingsRoutes(app: AppInstance, deps: { db: Db }) {
  app.get(
    '/api/v1/site',
    {
      schema: {
        summary: 'Public information about the site',
        tags: ['site'],
        response: { 200: SiteInfo },
      },
    },
    async () => getSiteInfo(deps.db),
  )
}
