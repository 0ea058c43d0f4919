-- The product catalog (issue 11, item 1; decision 0020).
--
-- Money is integer minor units of the site's one currency (the `currency` site
-- setting), never a float: `price_minor`, `compare_at_price_minor` (bigint).
-- `stock` null means "not tracked" (always in stock); otherwise it is never
-- below zero, which the check enforces even if a statement forgot to.
-- `attributes` is a flat JSON object of name → string or array of strings
-- (the API checks names and values); `options` lists the option names and
-- values a product's variants choose from ([{"name": "size", "values": ["S"]}]).
create table product_categories (
  id bigint generated always as identity primary key,
  parent_id bigint references product_categories (id) on delete restrict,
  name text not null check (length(name) between 1 and 100),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
  description text not null default '' check (length(description) <= 2000),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (parent_id is null or parent_id <> id)
);
create index product_categories_parent_idx on product_categories (parent_id, position, id);

create table products (
  id bigint generated always as identity primary key,
  sku text not null unique check (length(sku) between 1 and 64),
  name text not null check (length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 200),
  description text not null default '',
  description_html text not null default '',
  status text not null default 'draft' check (status in ('draft', 'active', 'archived')),
  price_minor bigint not null check (price_minor >= 0),
  compare_at_price_minor bigint check (compare_at_price_minor >= 0),
  stock integer check (stock >= 0),
  attributes jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
  options jsonb not null default '[]' check (jsonb_typeof(options) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Variants: each with its own SKU, price and stock, and one value per option.
create table product_variants (
  id bigint generated always as identity primary key,
  product_id bigint not null references products (id) on delete cascade,
  sku text not null unique check (length(sku) between 1 and 64),
  price_minor bigint not null check (price_minor >= 0),
  stock integer check (stock >= 0),
  option_values jsonb not null default '{}' check (jsonb_typeof(option_values) = 'object'),
  position integer not null default 0
);
create index product_variants_product_idx on product_variants (product_id, position, id);

-- A product's own categories (those an editor chose; the facet table below
-- also holds their ancestors, for "category including sub-categories").
create table product_category_links (
  product_id bigint not null references products (id) on delete cascade,
  category_id bigint not null references product_categories (id) on delete cascade,
  primary key (product_id, category_id)
);
create index product_category_links_category_idx on product_category_links (category_id, product_id);

-- Ordered images: media items with an alt text of their own.
create table product_images (
  product_id bigint not null references products (id) on delete cascade,
  position integer not null check (position >= 0),
  media_id bigint not null references media (id) on delete cascade,
  alt text not null default '' check (length(alt) <= 500),
  primary key (product_id, position)
);
create index product_images_media_idx on product_images (media_id);
