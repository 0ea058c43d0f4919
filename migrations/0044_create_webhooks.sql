-- Webhooks (issue 12, item 6; decision 0022). Admins subscribe a URL to events;
-- each event writes one delivery per active subscription in the transaction of
-- the write that caused it, with a job that sends it (so a stop right after the
-- answer loses nothing). Every try of a delivery is kept as an attempt, for the
-- API's delivery log; deliveries older than 30 days are pruned.
create table webhook_subscriptions (
  id bigint generated always as identity primary key,
  url text not null check (length(url) between 1 and 2000),
  events text[] not null check (cardinality(events) between 1 and 50),
  status text not null default 'active' check (status in ('active', 'paused')),
  -- The signing secret, sealed with SECRET_KEY (core/security/secret-box.ts): the server must read it back to sign.
  secret_sealed text not null,
  description text not null default '' check (length(description) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table webhook_deliveries (
  id bigint generated always as identity primary key,
  subscription_id bigint not null references webhook_subscriptions (id) on delete cascade,
  -- The event: the same id, type, time and data for every subscription (and a redelivery), so receivers can deduplicate.
  event_id uuid not null,
  event_type text not null,
  event_created_at timestamptz not null,
  data jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  redelivery_of bigint references webhook_deliveries (id) on delete set null,
  created_at timestamptz not null,
  updated_at timestamptz not null default now()
);
create index webhook_deliveries_subscription_idx on webhook_deliveries (subscription_id, id);
create index webhook_deliveries_created_at_idx on webhook_deliveries (created_at);

create table webhook_attempts (
  delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
  number integer not null check (number > 0),
  started_at timestamptz not null,
  duration_ms integer not null check (duration_ms >= 0),
  outcome text not null check (outcome in ('succeeded', 'http_error', 'timeout', 'network_error', 'refused')),
  status_code integer,
  error text check (length(error) <= 1000),
  response_excerpt text check (length(response_excerpt) <= 1024),
  primary key (delivery_id, number)
);
