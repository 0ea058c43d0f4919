import { type Static, Type } from 'typebox'

export const SiteInfo = Type.Object(
  {
    title: Type.String({ description: 'The site name, shown in page titles and feeds' }),
    description: Type.String(),
    language: Type.String({ description: 'BCP 47 language tag of the site content', examples: ['en'] }),
  },
  { $id: 'SiteInfo', additionalProperties: false },
)
export type SiteInfo = Static<typeof SiteInfo>

export const SiteInfoPatch = Type.Partial(
  Type.Object({
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 1000 }),
    language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 }),
  }),
  { additionalProperties: false, minProperties: 1 },
)
export type SiteInfoPatch = Static<typeof SiteInfoPatch>
