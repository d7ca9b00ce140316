import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { templateInvalid } from './compose-draft.ts';
import { readOutreachSettings } from './outreach-settings.ts';
import { loadRecipients } from './recipients.repository.ts';
import { smsSegments } from './sms-segments.ts';
import { renderMessage, validateTemplate, withOptOut, type TemplateInput } from './template.ts';
import { templatesRepository as repo, type TemplateRow } from './templates.repository.ts';

// Message templates: checked when saved (an unknown merge field is refused there, naming where
// it is, not discovered as a blank at send time), shown with what an SMS costs in segments,
// and previewed for a real lead.

const Name = z.string().trim().min(1).max(200);
const Fields = {
  name: Name,
  channel: z.enum(['sms', 'email', 'call']),
  subject: z.string().max(500).nullish().describe('email only; merge fields allowed'),
  body: z.string().min(1).max(100_000).describe('the text, with merge fields like {{person.first_name | "there"}}'),
  html: z.string().max(500_000).nullish().describe('email only: an HTML part'),
};
export const CreateTemplateRequest = z.strictObject(Fields);
export type CreateTemplateRequest = z.input<typeof CreateTemplateRequest>;
export const UpdateTemplateRequest = z.strictObject({ ...Fields, channel: Fields.channel.optional(), name: Name.optional(), body: Fields.body.optional() })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change' });
export const PreviewTemplateRequest = z.strictObject({ lead_id: z.uuid().describe('the lead whose facts fill the merge fields') });
export const ListTemplatesQuery = z.object({ channel: z.enum(['sms', 'email', 'call']).optional() });

/** The segment count of a text as it would go: GSM-7 or UCS-2, and how many parts. */
const smsLength = (text: string) => {
  const s = smsSegments(text);
  return { encoding: s.encoding, segments: s.segments, characters: [...text].length, non_gsm: s.nonGsm };
};

/** Validated values to store, or TEMPLATE_INVALID naming each part and position. */
function checked(t: TemplateInput & { name: string }) {
  const v = validateTemplate(t);
  if (!v.ok) throw templateInvalid(v, t);
  return { values: { name: t.name, channel: t.channel, subject: t.subject ?? null, body: t.body, html: t.html ?? null, fields: v.fields }, validation: v };
}

function shown(row: TemplateRow) {
  const v = validateTemplate(row);
  return { ...row, sms: v.sms ? { encoding: v.sms.encoding, segments: v.sms.segments, characters: v.sms.characters, first_touch_segments: v.sms.firstTouch.segments, raw: v.sms.template } : null };
}

async function findOrThrow(ref: string, trx: Trx) {
  const t = await repo.find(ref, trx);
  if (!t) throw new AppError('NOT_FOUND', `template ${ref} was not found (see \`porchlight templates list\`)`, [{ field: 'template', message: 'not found' }]);
  return t;
}

/** A saved template by id or name, for the engines that send from one. */
export const findTemplate = findOrThrow;

export function createTemplatesService(deps: { db: Database; pii: Pii }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);
  const named = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError && e.code === 'CONFLICT' && e.details[0]?.field === 'name') {
        throw new AppError('CONFLICT', `a template named "${name}" already exists`, [{ field: 'name', message: 'already exists' }]);
      }
      throw e;
    }
  };

  return {
    async create(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'write message templates');
      const { values } = checked(parseInput(CreateTemplateRequest, input));
      return named(values.name, () => tenant(actor, async (trx) => shown(await repo.insert(actor.organizationId, { ...values, created_by: actor.userId }, trx))));
    },

    async update(actor: Actor, ref: string, input: unknown) {
      requireRole(actor, 'manager', 'change message templates');
      const patch = parseInput(UpdateTemplateRequest, input);
      return named(patch.name ?? ref, () => tenant(actor, async (trx) => {
        const current = await findOrThrow(ref, trx);
        const { values } = checked({ ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as TemplateInput & { name: string });
        return shown(await repo.update(current.id, values, trx));
      }));
    },

    list: async (actor: Actor, query: unknown = {}) => {
      const q = parseInput(ListTemplatesQuery, query);
      return { data: (await tenant(actor, (trx) => repo.list(q.channel, trx))).map(shown) };
    },

    show: (actor: Actor, ref: string) => tenant(actor, async (trx) => shown(await findOrThrow(ref, trx))),

    async remove(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'delete message templates');
      try {
        return await tenant(actor, async (trx) => {
          const t = await findOrThrow(ref, trx);
          if (!(await repo.remove(t.id, trx))) throw notFound('template', ref);
          return { id: t.id, name: t.name, deleted: true };
        });
      } catch (e) {
        // the database's foreign key from campaign: sent messages keep theirs (SET NULL)
        if (e instanceof AppError && e.code === 'CONFLICT') throw new AppError('CONFLICT', `template ${ref} is used by a campaign; it stays`);
        throw e;
      }
    },

    /** The template rendered for one lead, as it would go (a first text with its opt-out line too). */
    async preview(actor: Actor, ref: string, input: unknown) {
      const req = parseInput(PreviewTemplateRequest, input);
      return tenant(actor, async (trx) => {
        const t = await findOrThrow(ref, trx);
        const settings = await readOutreachSettings(trx);
        const r = (await loadRecipients(trx, deps.pii, [req.lead_id], t.channel, settings)).get(req.lead_id);
        if (!r) throw notFound('lead', req.lead_id);
        const out = renderMessage(t, r.merge);
        const firstTouch = t.channel === 'sms' ? withOptOut(out.body, { firstTouch: true, orgName: r.merge.org?.name ?? '' }) : null;
        return {
          template: { id: t.id, name: t.name, channel: t.channel }, lead_id: req.lead_id, to: r.contact?.display ?? null,
          ...out,
          sms: firstTouch === null ? null : { ...smsLength(out.body), first_touch: { body: firstTouch, ...smsLength(firstTouch) } },
        };
      });
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
