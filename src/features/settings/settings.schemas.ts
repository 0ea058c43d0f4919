import { type Static, Type } from 'typebox'

export const SiteInfo = Type.Object(
  {
    title: Type.String({ description: 'The site name, shown in page titles and feeds' }),
    description: Type.String(),
    language: Type.String({ description: 'BCP 47 language tag of the site content', examples: ['en'] }),
    currency: Type.String({
      description: 'ISO 4217 code of the currency product prices are in (integer minor units of it)',
      examples: ['EUR'],
    }),
  },
  { $id: 'SiteInfo', additionalProperties: false },
)
export type SiteInfo = Static<typeof SiteInfo>

const ORIGIN_PATTERN = '^[a-z][a-z0-9+.-]*://[^/?#@\\s]+$'

const SETTING_FIELDS = {
  title: Type.String({ minLength: 1, maxLength: 200, description: 'The site name, shown in page titles and feeds' }),
  description: Type.String({ maxLength: 500, description: 'A sentence about the site, shown in feeds and meta tags' }),
  language: Type.String({
    pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$',
    maxLength: 35,
    description: 'BCP 47 language tag of the site content',
    examples: ['en', 'pt-BR'],
  }),
  timezone: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'IANA time zone name the site shows dates in (checked against the zones the runtime knows)',
    examples: ['UTC', 'Europe/Rome'],
  }),
  currency: Type.String({
    pattern: '^[A-Za-z]{3}$',
    description: 'ISO 4217 code of the currency product prices are in (integer minor units; checked against Intl.supportedValuesOf)',
    examples: ['EUR', 'USD'],
  }),
  signup_enabled: Type.Boolean({ description: 'Whether visitors may create accounts (off on a new site)' }),
  require_email_verification: Type.Boolean({ description: 'Whether an account must verify its address before it can log in' }),
  anonymise_ip: Type.Boolean({
    description: 'Whether form submissions keep only a shortened IP address (IPv4 /24, IPv6 /48) instead of the whole one',
  }),
  cors_origins: Type.Array(
    Type.String({ pattern: ORIGIN_PATTERN, maxLength: 255, description: 'An origin: scheme://host[:port], no path' }),
    {
      maxItems: 50,
      uniqueItems: true,
      description:
        'Origins allowed to call the API from a browser page with credentials (cookies, Authorization), besides those in the CORS_ORIGINS environment variable; a change applies on every instance within moments, without a restart.',
      examples: [['https://app.example.org']],
    },
  ),
  webhooks_allow_private: Type.Boolean({
    description:
      'Whether webhooks may deliver to loopback, private, link-local and metadata addresses (off: refused when connecting; for development and tests)',
  }),
}

/** Every site setting, as the admin reads them (GET /api/v1/settings). */
export const SiteSettings = Type.Object(SETTING_FIELDS, { $id: 'SiteSettings', additionalProperties: false })
export type SiteSettings = Static<typeof SiteSettings>

/** A partial change: only the fields sent are changed. */
export const SiteSettingsPatch = Type.Partial(Type.Object(SETTING_FIELDS), { additionalProperties: false, minProperties: 1 })
export type SiteSettingsPatch = Static<typeof SiteSettingsPatch>
