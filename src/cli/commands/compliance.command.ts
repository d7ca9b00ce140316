import type { Command } from 'commander';
import { command, table } from '../run.ts';

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

export function registerCompliance(program: Command) {
  const c = program.command('compliance').description('the compliance gate: may this call, text or e-mail go, and the record of every answer');
  c.command('check')
    .description('allow, deny with a reason, or defer until a time; the answer is stored (compliance log)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--lead <id>', "a lead (its owner's mailing place and best phone or email)")
    .option('--phone <e164>', 'a phone number')
    .option('--email <address>', 'an email address')
    .option('--zip <zip>', "the owner's mailing ZIP (with --phone)")
    .option('--state <st>', "the owner's mailing state (with --phone)")
    .requiredOption('--channel <channel>', 'sms, email, call or ai_call')
    .option('--purpose <purpose>', 'marketing or informational', 'marketing')
    .option('--at <iso>', 'when it would go, ISO 8601 with an offset (default: now)')
    .option('--record', 'the call would be recorded')
    .option('--recording-disclosure', 'the call opens with a recording disclosure')
    .option('--json', 'machine-readable output')
    .action(command('compliance check', async (ctx, o: Record<string, string | boolean | undefined>) => {
      const actor = await ctx.operatorIn(o.org as string);
      const a = await ctx.c.compliance.check(actor, {
        lead_id: o.lead, phone: o.phone, email: o.email, zip: o.zip, state: o.state, channel: o.channel, purpose: o.purpose, at: o.at,
        record: o.record ? true : undefined, recording_disclosure: o.recordingDisclosure ? true : undefined,
      });
      const head = a.decision === 'allow' ? `ALLOW${a.obligations.length ? ` (${a.obligations.join(', ')})` : ''}`
        : a.decision === 'defer' ? `DEFER until ${a.until}: ${a.reason}` : `DENY: ${a.reason}`;
      const more = a.reasons.length > 1 ? `\nalso: ${a.reasons.slice(1).join(', ')}` : '';
      return { json: a, text: `${head}${more}\n${o.channel} to ${a.contact}; decision ${a.id}` };
    }));
  c.command('log')
    .description("the gate's answers, newest first")
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--decision <d>', 'allow, deny or defer')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(command('compliance log', async (ctx, o: { org: string; decision?: string; limit: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.compliance.log(actor, { decision: o.decision, limit: o.limit });
      return { json: rows, text: rows.length ? table(rows, ['decided_at', 'channel', 'contact', 'decision', 'reason', 'defer_until']) : 'no decisions yet' };
    }));

  const consent = program.command('consent').description('consents as the law wants them kept (COMPLIANCE.md §4)');
  const contact = (x: Command) => x.requiredOption('--org <org>', 'organization id or slug').option('--phone <phone>', 'a phone number').option('--email <email>', 'an email address');
  contact(consent.command('record').description('keep a consent as it was given'))
    .requiredOption('--seller <name>', 'the seller the consent names')
    .requiredOption('--scope <list>', 'sms, voice, ai_voice, email (comma-separated)')
    .requiredOption('--type <type>', 'pec (prior express consent) or pewc (prior express written consent)')
    .requiredOption('--method <method>', 'web_form, sms_keyword, voice_recording, key_press, email or paper')
    .option('--captured-at <iso>', 'when it was given (default: now)')
    .option('--disclosure <text>', 'the disclosure exactly as shown')
    .option('--evidence <uri>', 'where the evidence is (a recording, a signed form)')
    .option('--json', 'machine-readable output')
    .action(command('consent record', async (ctx, o: Record<string, string | undefined>) => {
      const actor = await ctx.operatorIn(o.org!);
      const r = await ctx.c.compliance.recordConsent(actor, {
        phone: o.phone, email: o.email, seller_name: o.seller, scope: list(o.scope ?? ''), type: o.type, method: o.method,
        captured_at: o.capturedAt, disclosure_text: o.disclosure, evidence_uri: o.evidence,
      });
      return { json: r, text: `consent ${r.id} kept` };
    }));
  contact(consent.command('revoke').description('a revocation by any means: every consent of it ends, and it goes on the do-not-contact list'))
    .requiredOption('--channel <channel>', 'how it was said: sms, email, call or web')
    .option('--text <text>', 'what was said')
    .option('--json', 'machine-readable output')
    .action(command('consent revoke', async (ctx, o: Record<string, string | undefined>) => {
      const actor = await ctx.operatorIn(o.org!);
      const r = await ctx.c.compliance.revokeConsent(actor, { phone: o.phone, email: o.email, channel: o.channel, text: o.text });
      return { json: r, text: `${r.contact}: ${r.consents_revoked} consent(s) revoked; on the do-not-contact list` };
    }));
  contact(consent.command('show').description("a phone's or email's consents, revoked ones included"))
    .option('--json', 'machine-readable output')
    .action(command('consent show', async (ctx, o: Record<string, string | undefined>) => {
      const actor = await ctx.operatorIn(o.org!);
      const rows = await ctx.c.compliance.consents(actor, { phone: o.phone, email: o.email });
      return { json: rows, text: rows.length ? table(rows, ['captured_at', 'seller_name', 'scope', 'type', 'method', 'revoked_at', 'revoke_channel']) : 'no consent on record' };
    }));
}
