import type { Db } from '#core/db/database.ts'
import type { AppInstance } from '#core/http/schemas.ts'
import { requestMeta } from '../users/audit.ts'
import type { Actor } from '../users/login/auth.hooks.ts'
import { requireRole } from '../users/roles.ts'
import { SiteInfo, SiteSettings, SiteSettingsPatch } from './settings.schemas.ts'
import { getSettings, getSiteInfo, updateSettings } from './settings.service.ts'

const tags = ['site']

export function settingsRoutes(app: AppInstance, deps: { db: Db }) {
  app.get(
    '/api/v1/site',
    {
      config: { responseCache: true },
      schema: {
        operationId: 'getSite',
        summary: 'Public information about the site',
        tags,
        response: { 200: SiteInfo },
      },
    },
    async () => getSiteInfo(deps.db),
  )

  app.get(
    '/api/v1/settings',
    {
      onRequest: requireRole('admin'),
      schema: { operationId: 'getSettings', summary: 'Every site setting (admins)', tags, response: { 200: SiteSettings } },
    },
    async () => getSettings(deps.db),
  )

  app.patch(
    '/api/v1/settings',
    {
      onRequest: requireRole('admin'),
      schema: {
        operationId: 'updateSettings',
        summary: 'Change site settings (admins)',
        description: 'Only the fields sent change; each change is audited (settings_changed).',
        tags,
        body: SiteSettingsPatch,
        response: { 200: SiteSettings },
      },
    },
    async (request) => updateSettings(deps.db, (request.actor as Actor).user.id, request.body, requestMeta(request)),
  )
}
