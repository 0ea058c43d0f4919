import { type Db, sql } from '#core/db/database.ts'
import { CURRENCY_SETTING } from '../settings/settings.service.ts'
import { SITE_COLUMN, type SiteJson, siteOf } from '../site/site.queries.ts'
import { findProductStatement, type ProductDetailRow } from './products.queries.ts'

/**
 * The public product pages' own reads (issue 11, item 4). The product page is
 * one statement, like a post's page: the site (settings and menus) rides along
 * as a column of the product's statement (site.queries.ts SITE_COLUMN), and the
 * product comes with its images, variants and categories (findProductStatement).
 */

/**
 * An active product by slug with the site, in one statement; `product`
 * undefined when there is none (the site still comes, for the 404 page). The
 * product is a left join on one row, so the site is read whether or not it exists.
 */
export async function findProductPage(db: Db, slug: string): Promise<{ site: SiteJson; product: ProductDetailRow | undefined }> {
  const { rows } = await sql<{ site_json: string } & ProductDetailRow>`select ${SITE_COLUMN}, x.*
    from (select 1) one left join (${findProductStatement({ slug }, true, CURRENCY_SETTING)}) x on true`.execute(db)
  const site = await siteOf(db, rows)
  const row = rows[0]
  if (!row || row.id === null) return { site, product: undefined }
  const { site_json: _site, ...product } = row
  return { site, product }
}

/** At most this many attribute names are offered as filters (the list's `facets` takes ten names: category, price and these). */
export const MAX_ATTRIBUTE_FACETS = 8

/**
 * The site, its currency and the attribute names products have (the facets a
 * listing offers), in one statement. The names come from product_facets by a
 * loose index scan (one index probe per distinct name, not a read of every
 * facet row), of active products only (a draft's attribute must not change
 * what the public listing offers); names of the table's own facets start with
 * `@` and are left out.
 */
export async function findListingContext(db: Db): Promise<{ site: SiteJson; currency: string; attributeNames: string[] }> {
  const { rows } = await sql<{ site_json: string; currency: string; names: string[] }>`with recursive n(name) as (
      (select name from product_facets where listed order by name limit 1)
      union all
      select (select f.name from product_facets f where f.name > n.name and f.listed order by f.name limit 1) from n where n.name is not null)
    select ${SITE_COLUMN},
      coalesce((select s.value #>> '{}' from settings s where s.key = ${CURRENCY_SETTING.key}), ${CURRENCY_SETTING.fallback}::text) as currency,
      array(select name from n where name is not null and left(name, 1) <> '@' order by name limit ${sql.lit(MAX_ATTRIBUTE_FACETS)}) as names`.execute(
    db,
  )
  const row = rows[0] as { site_json: string; currency: string; names: string[] }
  return { site: JSON.parse(row.site_json) as SiteJson, currency: row.currency, attributeNames: row.names }
}

export type ProductSitemapRow = { path_type: 'product' | 'product-category'; slug: string; updated_at: Date }

/** The public product URLs for /sitemap.xml: every active product, and each category with an active product in it. */
export const listProductSitemapEntries = (db: Db, limit: number) =>
  sql<ProductSitemapRow>`select 'product' as path_type, slug, updated_at from products where status = 'active'
    union all
    select 'product-category', c.slug, max(p.updated_at) from product_categories c
      join product_category_links l on l.category_id = c.id
      join products p on p.id = l.product_id and p.status = 'active' group by c.slug
    limit ${limit}`
    .execute(db)
    .then((r) => r.rows)
