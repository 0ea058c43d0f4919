/**
 * The change-feed vocabulary (issue 8, part 4; decision 0011): the one way to
 * name a record that a write changed and a public page showed. Writes record
 * these tags (recordChanges), renders declare them (`Surrogate-Key`), and the
 * page cache, webhooks and the admin's live lists match the two. Never write a
 * tag as a free string: build it here.
 *
 * - `post:<id>`, `page:<id>`: one post or page (its own page, its card, its feed entry).
 * - `tag:<id>`, `category:<id>`: one term (its name and slug wherever shown, its archive).
 * - `user:<id>`: one account (an author's name on a card or a post).
 * - `media:<id>`: one media item (a cover: its file, alt text, variants).
 * - `form:<id>`: one form (its definition and page; a stored submission records it too).
 * - `product:<id>`, `product-category:<id>`: one product (its page, its card), one product category (issue 11).
 * - `list:<name>`: which items a list holds and in what order (home, /blog,
 *   archives, feed, sitemap, search; the menus for `list:pages`).
 * - `site`: the site's own settings (title, description, language).
 */

export const LIST_NAMES = ['posts', 'pages', 'tags', 'categories', 'media', 'users', 'products', 'product-categories', 'forms'] as const
export type ListName = (typeof LIST_NAMES)[number]

const RECORD_KINDS = ['post', 'page', 'tag', 'category', 'user', 'media', 'product', 'product-category', 'form'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]

export type ChangeTag = `${RecordKind}:${number}` | `list:${ListName}` | 'site'

const record =
  <K extends RecordKind>(kind: K) =>
  (id: number): `${K}:${number}` => {
    if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`${kind} id must be a positive integer: ${id}`)
    return `${kind}:${id}`
  }

export const tags = {
  post: record('post'),
  page: record('page'),
  /** A post's or a page's own tag, by its type. */
  content: (type: 'post' | 'page', id: number): ChangeTag => (type === 'post' ? tags.post(id) : tags.page(id)),
  tag: record('tag'),
  category: record('category'),
  user: record('user'),
  media: record('media'),
  form: record('form'),
  product: record('product'),
  productCategory: record('product-category'),
  list: (name: ListName): `list:${ListName}` => `list:${name}`,
  /** The list a post or a page belongs to. */
  listOf: (type: 'post' | 'page'): `list:${ListName}` => (type === 'post' ? 'list:posts' : 'list:pages'),
  site: 'site',
} as const

const TAG = new RegExp(`^(?:(?:${RECORD_KINDS.join('|')}):[1-9]\\d{0,15}|list:(?:${LIST_NAMES.join('|')})|site)$`)

/** Whether `value` is a tag of the vocabulary (for readers of stored rows and headers). */
export const isChangeTag = (value: string): value is ChangeTag => TAG.test(value)
