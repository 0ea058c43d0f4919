import { type Db, sql } from '#core/db/database.ts'

/** What search finds: published posts and pages, and active products (issue 11, item 4). */
export type SearchType = 'post' | 'page' | 'product'

/**
 * One search result as the statement returns it. Every kind of content that is
 * searched (posts and pages now, products later) is a branch of the same shape.
 */
export type SearchRow = {
  type: SearchType
  id: number
  title: string
  slug: string
  excerpt: string
  published_at: Date
  rank: number
  /**
   * A passage of the body's search text (content/markdown.ts searchText: text
   * with the sanitiser's entities still encoded), matches wrapped in `markers`.
   */
  headline: string
}

export type SearchFilter = {
  q: string
  limit: number
  offset: number
  type?: SearchType
  /** ts_headline's StartSel and StopSel: characters that searchText never lets through. */
  markers: { start: string; stop: string }
}

/** The length of the text a snippet is cut from (see searchHitsStatement). */
const HEADLINE_TEXT_LENGTH = 16_000

// Weights for D, C, B, A (ts_rank_cd's order): body C, excerpt B, title A (migrations 0015, 0025).
const WEIGHTS = '{0.1, 0.2, 0.4, 1.0}'

// A last word of letters and digits only, after white space or at the start.
const LAST_WORD = /(^|\s)([\p{L}\p{N}]+)$/u
const OR = /^or$/i
/** A shorter last word (one letter) matches only as a whole word: a one-letter prefix matches too much to help. */
const PREFIX_MIN_LENGTH = 2

/**
 * Type-ahead (issue 10, item 7): `q`'s last word also matches as a prefix
 * (`postgre` finds `postgresql`). Returns the query without that word and the
 * word, or no `prefix` when the last word is not a plain word the user is
 * typing: one letter, punctuation or an operator around it (`-word`,
 * `word:*`, `(word)`), inside an unclosed "phrase", `or` itself, or just after `or` (`a or b`
 * keeps its meaning as websearch_to_tsquery gives it). The prefix is stemmed
 * like the text (`publishing` → `publish:*`), so it finds all the full word
 * finds, and more.
 */
export function splitLastWord(q: string): { rest: string; prefix?: string } {
  const match = LAST_WORD.exec(q)
  const word = match?.[2]
  if (match === null || word === undefined || [...word].length < PREFIX_MIN_LENGTH || OR.test(word)) return { rest: q }
  const rest = q.slice(0, match.index + (match[1]?.length ?? 0))
  if ((rest.match(/"/g)?.length ?? 0) % 2 === 1) return { rest: q }
  if (OR.test(rest.trimEnd().split(/\s+/).at(-1) ?? '')) return { rest: q }
  return { rest, prefix: word }
}

/**
 * One page of published content matching `q` (websearch syntax: "phrase", -word,
 * or; the last word also as a prefix, see splitLastWord), best match first,
 * plus one row more when another page follows. The text
 * search configuration is the one the index was built with (migration 0015); a
 * query without lexemes (only stop words or punctuation) matches nothing.
 *
 * `hits` has one branch per kind of content, all of the same shape (products
 * will be a `union all` branch); `headline_text` is the text the snippet is cut
 * from: the body's stored search text, the one the index was made from.
 * Snippets are made only for the rows of the page, since ts_headline re-parses
 * each text, and only from the text's first HEADLINE_TEXT_LENGTH characters: a
 * tsvector holds word positions up to 16383 only, and beyond that (all later
 * words share the last position) ts_headline's time grows with a power of the
 * text's length (40 KB of one repeated phrase took 2-4 s, 80 KB 57 s of
 * database time for the query `"b c" or d`; issue 9, item 5). 16,000 characters
 * stay below 16383 positions whatever the text: a word takes at least one
 * character and a space, and the parts of a hyphenated word, the most
 * positions per character there is (`a-b a-b …`), give 0.75 per character. A
 * match further on still finds the row (the index covers the whole text); its
 * snippet is then the start of the text, unmarked.
 */
export const searchHitsStatement = (f: SearchFilter) => {
  // The type filter only when given: each shape keeps its own plan (decision 0013). Products are a
  // branch of their own, left out when another type is asked for (and the posts' branch for products).
  const type = f.type === undefined || f.type === 'product' ? sql`` : sql`and p.type = ${f.type}`
  const posts = f.type !== 'product'
  const products = f.type === undefined || f.type === 'product'
  const options = `StartSel=${f.markers.start}, StopSel=${f.markers.stop}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`
  const { rest, prefix } = splitLastWord(f.q)
  // The last word as a prefix (see splitLastWord): quote_literal makes it one
  // quoted term whatever it holds, so to_tsquery cannot fail on it; a stop word
  // gives an empty tsquery, which `&&` leaves out.
  const tsq =
    prefix === undefined
      ? sql`websearch_to_tsquery('english'::regconfig, ${f.q})`
      : sql`websearch_to_tsquery('english'::regconfig, ${rest}) && to_tsquery('english'::regconfig, quote_literal(${prefix}::text) || ':*')`
  return sql<SearchRow>`with query as (select ${tsq} as tsq),
    hits as (
      ${
        posts
          ? sql`select p.type::text as type, p.id, p.title, p.slug, p.excerpt, p.published_at, p.search_text as headline_text,
        ts_rank_cd(${WEIGHTS}::real[], p.search_vector, query.tsq, 32) as rank
      from posts p, query
      where p.status = 'published' and p.search_vector @@ query.tsq ${type}`
          : sql``
      }
      ${posts && products ? sql`union all` : sql``}
      ${
        // Active products (their search vector: name and SKU weigh A, the description C; migration 0030);
        // a product's time is when it was added.
        products
          ? sql`select 'product'::text as type, p.id, p.name as title, p.slug, ''::text as excerpt, p.created_at as published_at,
        p.search_text as headline_text, ts_rank_cd(${WEIGHTS}::real[], p.search_vector, query.tsq, 32) as rank
      from products p, query
      where p.status = 'active' and p.search_vector @@ query.tsq`
          : sql``
      }
    ),
    page as (
      select type, id, title, slug, excerpt, published_at, headline_text, rank from hits
      order by rank desc, published_at desc, id desc
      limit ${f.limit + 1} offset ${f.offset}
    )
    select page.type, page.id, page.title, page.slug, page.excerpt, page.published_at, page.rank,
      ts_headline('english'::regconfig, left(page.headline_text, ${sql.lit(HEADLINE_TEXT_LENGTH)}), query.tsq,
        ${options}) as headline
    from page, query
    order by page.rank desc, page.published_at desc, page.id desc`
}

export const listSearchHits = (db: Db, f: SearchFilter) =>
  searchHitsStatement(f)
    .execute(db)
    .then((r) => r.rows)
