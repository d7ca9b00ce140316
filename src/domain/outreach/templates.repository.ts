import { sql } from 'kysely';
import { isUuid } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';

// Message templates: saved once validated, found by id or name.

const COLUMNS = ['id', 'name', 'channel', 'subject', 'body', 'html', 'fields', 'created_by', 'created_at', 'updated_at'] as const;

export interface TemplateValues {
  name: string;
  channel: 'sms' | 'email' | 'call';
  subject: string | null;
  body: string;
  html: string | null;
  fields: string[];
}

export const templatesRepository = {
  insert(organizationId: string, t: TemplateValues & { created_by: string | null }, trx: Trx) {
    return trx.insertInto('message_template').values({ organization_id: organizationId, ...t }).returning(COLUMNS).executeTakeFirstOrThrow();
  },

  update(id: string, t: TemplateValues, trx: Trx) {
    return trx.updateTable('message_template').set(t).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
  },

  list(channel: string | undefined, trx: Trx) {
    let q = trx.selectFrom('message_template').select(COLUMNS);
    if (channel) q = q.where('channel', '=', channel as never);
    return q.orderBy(sql`lower(name)`).orderBy('id').execute();
  },

  /** By id, by exact name, else by name whatever its case (one match only). */
  async find(ref: string, trx: Trx) {
    const rows = await trx.selectFrom('message_template').select(COLUMNS)
      .where((eb) => eb.or([
        ...(isUuid(ref) ? [eb('id', '=', ref)] : []),
        eb(sql`lower(name)`, '=', ref.toLowerCase()),
      ]))
      .orderBy(sql`(id::text = ${ref.toLowerCase()})`, 'desc')
      .orderBy(sql`(name = ${ref})`, 'desc')
      .limit(2)
      .execute();
    return rows[0];
  },

  remove(id: string, trx: Trx) {
    return trx.deleteFrom('message_template').where('id', '=', id).returning('id').executeTakeFirst();
  },
};

export type TemplateRow = NonNullable<Awaited<ReturnType<typeof templatesRepository.find>>>;
