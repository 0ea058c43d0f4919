import { type Db, sql } from '#core/db/database.ts'

export type SettingRow = { key: string; value: unknown; updated_at: Date }

export const listSettings = (db: Db, keys: readonly string[]) =>
  sql<SettingRow>`select key, value, updated_at from settings where key = any(${keys})`.execute(db).then((r) => r.rows)

export const upsertSetting = (db: Db, key: string, value: unknown) =>
  // Sent as text and cast on the server: postgres.js would JSON-encode a jsonb-typed parameter a second time.
  sql`insert into settings (key, value) values (${key}, ${JSON.stringify(value)}::text::jsonb)
      on conflict (key) do update set value = excluded.value, updated_at = now()`.execute(db)
