-- The media library (issue 4, part 5; decision 0009). A row per upload; the bytes
-- live content-addressed in the media store (`DATA_DIR/media/ab/<sha256>.<ext>`),
-- so the same bytes uploaded twice are stored once and two rows share one file.
-- `extension` and `mime_type` come from the bytes (file-type), never from the
-- client's file name. Images are stored with their metadata (EXIF) stripped.
-- `variants_status` follows the `media.variants` job: none (not an image, or an
-- animated GIF), pending, done.
create table media (
  id bigint generated always as identity primary key,
  owner_id bigint references users (id) on delete set null,
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  extension text not null check (extension in ('jpg', 'png', 'webp', 'avif', 'gif', 'pdf')),
  mime_type text not null,
  size_bytes bigint not null check (size_bytes > 0),
  width integer,
  height integer,
  original_name text not null default '' check (length(original_name) <= 255),
  alt text not null default '' check (length(alt) <= 1000),
  variants_status text not null default 'none' check (variants_status in ('none', 'pending', 'done')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index media_owner_id_idx on media (owner_id, id desc);
create index media_sha256_idx on media (sha256);

-- Responsive sizes of an image (for `srcset`), made by the `media.variants` job.
-- Also content-addressed: a variant's file is removed only when no media row and
-- no other variant row uses its hash.
create table media_variants (
  id bigint generated always as identity primary key,
  media_id bigint not null references media (id) on delete cascade,
  format text not null check (format in ('jpg', 'png', 'webp', 'avif')),
  width integer not null check (width > 0),
  height integer not null check (height > 0),
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint not null check (size_bytes > 0),
  created_at timestamptz not null default now(),
  unique (media_id, format, width)
);

create index media_variants_sha256_idx on media_variants (sha256);
