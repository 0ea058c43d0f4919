import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { listSettings, upsertSetting } from './settings.queries.ts'
import type { SiteInfo, SiteInfoPatch } from './settings.schemas.ts'

const SITE_KEYS = { title: 'site_title', description: 'site_description', language: 'site_language' } as const
const DEFAULTS: SiteInfo = { title: 'My Plinth site', description: '', language: 'en' }
/** The settings keys that make up SiteInfo (the public site reads them inside its page queries). */
export const SITE_INFO_KEYS: readonly string[] = Object.values(SITE_KEYS)

/** SiteInfo from stored settings values by key, with defaults for what is unset. */
export function siteInfoFrom(byKey: Record<string, unknown>): SiteInfo {
  const pick = (field: keyof SiteInfo) => {
    const value = byKey[SITE_KEYS[field]]
    return typeof value === 'string' ? value : DEFAULTS[field]
  }
  return { title: pick('title'), description: pick('description'), language: pick('language') }
}

/** The public description of the site: what themes, feeds and front ends show. */
export async function getSiteInfo(db: Db): Promise<SiteInfo> {
  const rows = await listSettings(db, SITE_INFO_KEYS)
  return siteInfoFrom(Object.fromEntries(rows.map((row) => [row.key, row.value])))
}

/** Changes the given fields in one transaction and returns the result. */
export async function updateSiteInfo(db: Db, patch: SiteInfoPatch): Promise<SiteInfo> {
  await db.transaction().execute(async (trx) => {
    for (const [field, value] of Object.entries(patch) as [keyof SiteInfo, string][]) {
      await upsertSetting(trx, SITE_KEYS[field], value)
    }
    await recordChanges(trx, [tags.site])
  })
  return getSiteInfo(db)
}

/** Whether visitors may create accounts (setting `signup_enabled`, on unless set to false). */
export async function isSignupEnabled(db: Db): Promise<boolean> {
  const [row] = await listSettings(db, ['signup_enabled'])
  return row?.value !== false
}

/** Whether an unverified address blocks login (setting `require_email_verification`, off unless set to true). */
export async function isEmailVerificationRequired(db: Db): Promise<boolean> {
  const [row] = await listSettings(db, ['require_email_verification'])
  return row?.value === true
}
