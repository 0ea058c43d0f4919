-- What the product list filters, sorts and counts by, each served by an index
-- (issue 11, item 3; decision 0020 has the measurements).
--
-- product_facets: one row per (product, facet name, value): each attribute
-- value (an array attribute gives a row per element) and, under the name
-- '@category' (never an attribute name: those match ^[a-z][a-z0-9_]*$), the id
-- of each of the product's categories AND of their ancestors, so "in category
-- X including sub-categories" is one index range and the category facet counts
-- each product once per category of its path. `listed` copies `status =
-- 'active'`: what anonymous callers see is a range of the (name, listed, value)
-- index, counted by an index-only scan without visiting products. The rows are
-- derived: products.queries.ts rewrites a product's rows in the same
-- transaction as every write to its attributes, categories or status, and a
-- category move rewrites those of the products below it.
create table product_facets (
  product_id bigint not null references products (id) on delete cascade,
  name text not null,
  value text not null,
  listed boolean not null,
  primary key (product_id, name, value)
);
create index product_facets_lookup_idx on product_facets (name, listed, value, product_id);

-- Sorts (keyset on key, id; decision 0013): price both ways, name, newest.
create index products_price_idx on products (price_minor, id);
create index products_name_idx on products (name, id);
create index products_created_idx on products (created_at, id);

-- Full-text search of products (q, sort relevance), as posts do since migration
-- 0025: `search_text` is the description's text, made at save time by content's
-- searchText (markdown.ts); name and SKU weigh most. Same 'english' configuration
-- as search.queries.ts.
alter table products add column search_text text not null default '';
alter table products add column search_vector tsvector generated always as (
  setweight(to_tsvector('english'::regconfig, name), 'A')
  || setweight(to_tsvector('simple'::regconfig, sku), 'A')
  || setweight(to_tsvector('english'::regconfig, search_text), 'C')
) stored;
create index products_search_idx on products using gin (search_vector);
