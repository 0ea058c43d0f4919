import { recordChanges, tags } from '#core/changes/changes.ts'
import type { Db } from '#core/db/database.ts'
import { type FieldError, invalid } from '#core/http/errors.ts'
import { type RequestMeta, recordAudit } from '../users/audit.ts'
import { listSettings, upsertSetting } from './settings.queries.ts'
import type { SiteInfo, SiteSettings, SiteSettingsPatch } from './settings.schemas.ts'

/** Each site setting's key in the settings table and its value when unset. */
const SETTINGS: { [K in keyof SiteSettings]: { key: string; fallback: SiteSettings[K] } } = {
  title: { key: 'site_title', fallback: 'My Plinth site' },
  description: { key: 'site_description', fallback: '' },
  language: { key: 'site_language', fallback: 'en' },
  timezone: { key: 'site_timezone', fallback: 'UTC' },
  // Product prices are integer minor units of this one currency (decision 0020). EUR by default: changing it
  // later relabels the stored amounts, it converts nothing.
  currency: { key: 'site_currency', fallback: 'EUR' },
  signup_enabled: { key: 'signup_enabled', fallback: false },
  require_email_verification: { key: 'require_email_verification', fallback: false },
  anonymise_ip: { key: 'anonymise_ip', fallback: false },
  cors_origins: { key: 'cors_origins', fallback: [] },
  webhooks_allow_private: { key: 'webhooks_allow_private', fallback: false },
}
const FIELDS = Object.keys(SETTINGS) as (keyof SiteSettings)[]

function settingsFrom(byKey: Record<string, unknown>): SiteSettings {
  const read = <K extends keyof SiteSettings>(field: K): SiteSettings[K] => {
    const { key, fallback } = SETTINGS[field]
    const value = byKey[key]
    if (Array.isArray(fallback)) return (Array.isArray(value) ? value : fallback) as SiteSettings[K]
    return (typeof value === typeof fallback ? value : fallback) as SiteSettings[K]
  }
  return Object.fromEntries(FIELDS.map((field) => [field, read(field)])) as SiteSettings
}

/** The settings keys that make up SiteInfo (the public site reads them inside its page queries). */
export const SITE_INFO_KEYS: readonly string[] = [
  SETTINGS.title.key,
  SETTINGS.description.key,
  SETTINGS.language.key,
  SETTINGS.currency.key,
]

/** SiteInfo from stored settings values by key, with defaults for what is unset. */
export function siteInfoFrom(byKey: Record<string, unknown>): SiteInfo {
  const { title, description, language, currency } = settingsFrom(byKey)
  return { title, description, language, currency }
}

/** The public description of the site: what themes, feeds and front ends show. */
export async function getSiteInfo(db: Db): Promise<SiteInfo> {
  const rows = await listSettings(db, SITE_INFO_KEYS)
  return siteInfoFrom(Object.fromEntries(rows.map((row) => [row.key, row.value])))
}

/**
 * Whether visitors may create accounts (setting `signup_enabled`, off unless set
 * to true: a new site takes no sign-ups until an admin allows them; migration
 * 0027 kept it on for sites that already had users).
 */
export async function isSignupEnabled(db: Db): Promise<boolean> {
  const [row] = await listSettings(db, [SETTINGS.signup_enabled.key])
  return row?.value === true
}

/**
 * The setting that makes form submissions keep a shortened IP address (off unless set to true; issue 12,
 * item 4): the forms feature reads it in the statement that finds the form (forms.queries.ts).
 */
export const ANONYMISE_IP_SETTING = SETTINGS.anonymise_ip.key

/** The origins admins allowed to call the API from a browser (setting `cors_origins`; core/http/cors.ts adds CORS_ORIGINS). */
export async function getCorsOrigins(db: Db): Promise<string[]> {
  const [row] = await listSettings(db, [SETTINGS.cors_origins.key])
  return Array.isArray(row?.value) ? row.value.filter((origin): origin is string => typeof origin === 'string') : []
}

/** Whether webhooks may connect to loopback, private and link-local addresses (setting `webhooks_allow_private`, off unless set to true; decision 0022). */
export async function isWebhooksPrivateAllowed(db: Db): Promise<boolean> {
  const [row] = await listSettings(db, [SETTINGS.webhooks_allow_private.key])
  return row?.value === true
}

/** Whether an unverified address blocks login (setting `require_email_verification`, off unless set to true). */
export async function isEmailVerificationRequired(db: Db): Promise<boolean> {
  const [row] = await listSettings(db, [SETTINGS.require_email_verification.key])
  return row?.value === true
}

/** The settings key and default of the site's currency, for statements that read it with the rows they show (products). */
export const CURRENCY_SETTING = { key: SETTINGS.currency.key, fallback: SETTINGS.currency.fallback } as const

/** The site's currency (ISO 4217), in which every product price is kept as integer minor units. */
export async function getCurrency(db: Db): Promise<string> {
  const [row] = await listSettings(db, [SETTINGS.currency.key])
  return typeof row?.value === 'string' ? row.value : SETTINGS.currency.fallback
}

/** Every site setting, with defaults for what is unset (admins: GET /api/v1/settings). */
export async function getSettings(db: Db): Promise<SiteSettings> {
  const rows = await listSettings(
    db,
    FIELDS.map((field) => SETTINGS[field].key),
  )
  return settingsFrom(Object.fromEntries(rows.map((row) => [row.key, row.value])))
}

/**
 * The checks a schema cannot make: the language tag and time zone must be ones
 * the runtime's Intl knows, each CORS origin exactly what URL makes of it.
 * Returns the patch in canonical form (`en-us` → `en-US`, `utc` → `UTC`).
 */
function canonicalPatch(patch: SiteSettingsPatch): SiteSettingsPatch {
  const errors: FieldError[] = []
  const out: SiteSettingsPatch = { ...patch }
  if (patch.language !== undefined) {
    try {
      out.language = Intl.getCanonicalLocales(patch.language)[0]
    } catch {
      errors.push({ field: 'language', in: 'body', message: 'must be a valid BCP 47 language tag, such as "en" or "pt-BR"' })
    }
  }
  if (patch.timezone !== undefined) {
    let zone: string | undefined
    // Names only (Area/City, UTC): an offset such as "+01:00" is not a time zone a site lives in.
    if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(patch.timezone)) {
      try {
        zone = new Intl.DateTimeFormat('en', { timeZone: patch.timezone }).resolvedOptions().timeZone
      } catch {}
    }
    if (zone) out.timezone = zone
    else errors.push({ field: 'timezone', in: 'body', message: 'must be an IANA time zone name, such as "UTC" or "Europe/Rome"' })
  }
  if (patch.currency !== undefined) {
    const code = patch.currency.toUpperCase()
    if (Intl.supportedValuesOf('currency').includes(code)) out.currency = code
    else errors.push({ field: 'currency', in: 'body', message: 'must be an ISO 4217 currency code, such as "EUR" or "USD"' })
  }
  if (patch.cors_origins !== undefined) {
    patch.cors_origins.forEach((origin, i) => {
      let parsed: string | undefined
      try {
        parsed = new URL(origin).origin
      } catch {}
      if (parsed !== origin)
        errors.push({
          field: `cors_origins.${i}`,
          in: 'body',
          message: 'must be an origin written as scheme://host[:port], lower case, no path',
        })
    })
  }
  if (errors.length > 0) throw invalid(errors)
  return out
}

/**
 * Changes the settings sent (the rest stay) in one transaction: one audit event
 * `settings_changed` naming the keys whose value changed, with old and new
 * values, and one change of tag `site` (the title is on every page).
 * Nothing is written when every value sent equals the stored one.
 */
export async function updateSettings(db: Db, actorId: number | null, patch: SiteSettingsPatch, meta: RequestMeta): Promise<SiteSettings> {
  const wanted = canonicalPatch(patch)
  await db.transaction().execute(async (trx) => {
    const before = await getSettings(trx)
    const changed = FIELDS.filter((field) => wanted[field] !== undefined && JSON.stringify(wanted[field]) !== JSON.stringify(before[field]))
    if (changed.length === 0) return
    for (const field of changed) await upsertSetting(trx, SETTINGS[field].key, wanted[field])
    await recordAudit(trx, {
      event: 'settings_changed',
      userId: null,
      actorId,
      meta,
      details: {
        keys: changed,
        from: Object.fromEntries(changed.map((field) => [field, before[field]])),
        to: Object.fromEntries(changed.map((field) => [field, wanted[field]])),
      },
    })
    await recordChanges(trx, [tags.site])
  })
  return getSettings(db)
}
