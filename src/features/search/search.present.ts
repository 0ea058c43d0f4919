import type { SearchHit } from './search.service.ts'

/** The one place a search hit becomes API output (STYLE §8). */
export const presentSearchHit = (hit: SearchHit) => ({
  type: hit.type,
  id: hit.id,
  title: hit.title,
  slug: hit.slug,
  path: hit.path,
  excerpt: hit.excerpt,
  snippet_html: hit.snippet_html,
  published_at: hit.published_at.toISOString(),
  rank: hit.rank,
})
