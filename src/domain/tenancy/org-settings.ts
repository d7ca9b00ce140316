import { sql } from 'kysely';
import type { z } from 'zod';
import type { Trx } from '../../db/tenant.ts';

// An organization's settings are one JSON object with a section per area (enrichment, scoring,
// ...). A section holds only what the organization changed over the area's defaults, or all of
// it: it is read through the area's schema, which fills in the rest.

export type SettingsSection = 'enrichment' | 'scoring' | 'outreach' | 'faq';

/** A section as stored (undefined when never set), before the area's schema fills it in. */
export async function storedSettings(section: SettingsSection, trx: Trx): Promise<unknown> {
  const row = await trx.selectFrom('organization').select(sql<unknown>`settings -> ${section}`.as('s')).executeTakeFirst();
  return row?.s ?? undefined;
}

export async function readOrgSettings<S extends z.ZodType>(section: SettingsSection, schema: S, trx: Trx): Promise<z.output<S>> {
  return schema.parse((await storedSettings(section, trx)) ?? {});
}

export async function writeOrgSettings(section: SettingsSection, value: unknown, trx: Trx) {
  await trx.updateTable('organization')
    .set({ settings: sql`jsonb_set(settings, ${`{${section}}`}::text[], ${JSON.stringify(value)}::jsonb)` as never })
    .execute();
}
