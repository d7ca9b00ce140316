import { DateTime } from 'luxon';
import { locateRecipient } from './recipient.ts';
import { timing } from './timing.ts';
import { isRegistryStale } from './registry-file.ts';

// The compliance gate's decision (COMPLIANCE.md): one pure function from the facts of a touch to
// ALLOW (with the obligations the touch carries), DENY with a reason code, or DEFER until an
// instant. Checks run in COMPLIANCE.md §0.6's order; the first failure is the reason, every
// failure is listed. Gathering the facts (lists, consents, prior attempts) is the caller's job.

export type Channel = 'call' | 'ai_call' | 'sms' | 'email';
export type Purpose = 'marketing' | 'informational' | 'opt_out_confirmation' | 'help_reply';

export interface GateFacts {
  channel: Channel;
  purpose: Purpose;
  at: Date;
  phone?: string | null;
  mailingState?: string | null;
  mailingZip?: string | null;
  consent: 'none' | 'pec' | 'pewc';
  /** The recipient's last revocation or opt-out, on which channel (any channel stops all marketing). */
  revoked?: { channel: 'sms' | 'email' | 'call' | 'web'; at: Date } | null;
  internalDnc?: boolean;
  /** Louisiana's PSC reports a state of emergency: every solicitation stops. */
  laEmergency?: boolean;
  /** The reassigned-numbers database says the number changed hands after consent. */
  reassigned?: boolean;
  /** A person's call placed by automated selection and dialing (FL, OK, MD's "automated system"). */
  automatedDialing?: boolean;
  dnc?: { national?: boolean; state?: boolean; registryAsOf?: Date | null };
  ebr?: { inquiry?: Date | null; transaction?: Date | null };
  record?: boolean;
  recordingDisclosure?: boolean;
  /** The caller's voice configuration asks for consent on file before any call (stricter than the law for live calls). */
  callerRequiresConsent?: boolean;
  smsSenderRegistered?: boolean;
  /** For an opt-out confirmation: when the STOP came, and whether one was sent. */
  confirmation?: { stopAt: Date; alreadySent: boolean };
  email?: {
    unsubscribed?: boolean;
    /** The message itself, when there is one to check (a check before writing it has none). */
    content?: { unsubscribeLink?: boolean; oneClick?: boolean; bulk?: boolean; postalAddress?: boolean; authenticated?: boolean };
  };
  prior?: Date[];
  /** The lead's own quiet hours (Convexa), in the lead's zone: a call or marketing text waits them out. */
  quietHours?: { start: string; end: string; zone: string } | null;
  /** The organization's own cap on attempts to one number, on top of the states' (settings.outreach.frequency_cap). */
  orgCap?: { count: number; hours: number } | null;
}

export type GateDecision =
  | { decision: 'ALLOW'; obligations: string[] }
  | { decision: 'DENY'; reason: string; reasons: string[] }
  | { decision: 'DEFER'; reason: string; reasons: string[]; until: Date };

const phoneFamily = (c: Channel | 'web') => (c === 'ai_call' ? 'call' : c);
// calendar months in UTC: the answer must not depend on the server's time zone
const monthsAfter = (d: Date, months: number) => DateTime.fromJSDate(d, { zone: 'utc' }).plus({ months }).toJSDate();

export function decide(f: GateFacts): GateDecision {
  const deny: string[] = [];
  const where = locateRecipient({ phone: f.phone, mailingZip: f.mailingZip, mailingState: f.mailingState });
  const marketing = f.purpose === 'marketing';
  const phoneChannel = f.channel !== 'email';

  // required responses: one opt-out confirmation within five minutes; HELP replies
  if (f.purpose === 'opt_out_confirmation') {
    const c = f.confirmation;
    if (f.channel !== 'sms') deny.push('CONFIRMATION_WINDOW_EXPIRED'); // the one confirmation is a text
    else if (!c) deny.push('CONFIRMATION_WINDOW_EXPIRED');
    else if (c.alreadySent) deny.push('CONFIRMATION_ALREADY_SENT');
    else if (f.at.getTime() - c.stopAt.getTime() > 5 * 60_000) deny.push('CONFIRMATION_WINDOW_EXPIRED');
    return deny.length ? { decision: 'DENY', reason: deny[0]!, reasons: deny } : { decision: 'ALLOW', obligations: ['NO_MARKETING_CONTENT'] };
  }
  if (f.purpose === 'help_reply') return { decision: 'ALLOW', obligations: ['HELP_CONTENT'] };

  if (f.revoked && f.revoked.at <= f.at) deny.push(phoneFamily(f.revoked.channel) === phoneFamily(f.channel) ? 'OPTED_OUT' : 'CONSENT_REVOKED');
  if (phoneChannel && f.internalDnc) deny.push('INTERNAL_DNC');
  if (phoneChannel && f.laEmergency && where.states.includes('LA')) deny.push('STATE_EMERGENCY');
  if (phoneChannel && f.reassigned && f.consent !== 'none') deny.push('REASSIGNED_NUMBER');

  // consent by channel and technology (§4)
  if (f.channel === 'ai_call') {
    if (f.consent === 'none') deny.push('NO_CONSENT_ARTIFICIAL_VOICE');
    else if (marketing && f.consent !== 'pewc') deny.push('PEWC_REQUIRED:AI_MARKETING');
  }
  if (f.channel === 'sms' && marketing && f.consent !== 'pewc') deny.push('PEWC_REQUIRED:SMS_MARKETING');
  if (f.channel === 'call' && marketing && f.consent !== 'pewc') {
    if (where.states.includes('CT')) deny.push('PEWC_REQUIRED:STATE_CT');
    else if (f.automatedDialing && where.states.some((s) => ['FL', 'OK', 'MD'].includes(s))) deny.push('PEWC_REQUIRED:STATE_AUTOMATED_FL_OK_MD');
  }
  if (f.channel === 'call' && f.callerRequiresConsent && f.consent === 'none') deny.push('NO_CONSENT_CALLER_POLICY');
  if (f.channel === 'sms' && f.smsSenderRegistered === false) deny.push('SMS_SENDER_UNREGISTERED');

  // do-not-call lists, for telephone solicitations. A signed written agreement naming the number,
  // or a live business relationship (not for artificial voice), is the registry's exception;
  // without one, a registry copy older than 31 days is no scrub.
  if (phoneChannel && marketing) {
    const ebr = [f.ebr?.inquiry && monthsAfter(f.ebr.inquiry, 3), f.ebr?.transaction && monthsAfter(f.ebr.transaction, 18)].filter((d): d is Date => !!d);
    const ebrLive = ebr.some((until) => until > f.at);
    const exempt = f.consent === 'pewc' || (ebrLive && f.channel !== 'ai_call');
    const asOf = f.dnc?.registryAsOf;
    if (f.dnc?.national && !exempt) deny.push('NATIONAL_DNC', ...(ebr.length && !ebrLive ? ['EBR_EXPIRED'] : []));
    if (f.dnc?.state && !exempt) deny.push('STATE_DNC');
    if (!exempt && isRegistryStale(asOf ?? null, f.at)) deny.push('DNC_DATA_STALE');
  }

  if (phoneChannel && f.record && !f.recordingDisclosure) deny.push('RECORDING_DISCLOSURE_REQUIRED');

  // an unsubscribed address gets no more mail of any kind from us: "informational" is the
  // sender's own label, and the recipient asked for none
  if (f.channel === 'email' && f.email?.unsubscribed) deny.push('EMAIL_UNSUBSCRIBED');
  if (f.channel === 'email' && marketing) {
    const m = f.email?.content;
    if (m && !m.unsubscribeLink) deny.push('EMAIL_UNSUBSCRIBE_MISSING');
    // every sender is taken as a bulk sender unless known not to be (COMPLIANCE.md §6)
    if (m && (m.bulk ?? true) && !m.oneClick) deny.push('EMAIL_ONE_CLICK_MISSING');
    if (m && !m.postalAddress) deny.push('EMAIL_POSTAL_ADDRESS_MISSING');
    if (m && m.authenticated !== true) deny.push('EMAIL_SENDER_UNAUTHENTICATED');
  }
  if (deny.length) return { decision: 'DENY', reason: deny[0]!, reasons: deny };

  // calls of every kind, and marketing texts, keep to the hours (§0.7); e-mail does not
  if (f.channel === 'call' || f.channel === 'ai_call' || (f.channel === 'sms' && marketing)) {
    const t = timing({ channel: f.channel, ...where, at: f.at, prior: f.prior ?? [], hasConsent: f.consent !== 'none', quietHours: f.quietHours, orgCap: f.orgCap });
    if (!t.allowed) return 'never' in t ? { decision: 'DENY', reason: t.reason, reasons: t.reasons } : { decision: 'DEFER', reason: t.reason, reasons: t.reasons, until: t.until };
  }
  const obligations: string[] = [];
  if (f.channel === 'call' || f.channel === 'ai_call') obligations.push('IDENTIFY_AT_START');
  if (f.channel === 'ai_call') obligations.push('OFFER_IN_CALL_OPT_OUT');
  if (phoneChannel && f.record) obligations.push('PLAY_RECORDING_DISCLOSURE');
  if (f.channel !== 'email' && where.states.includes('CT')) obligations.push('CT_10S_DISCLOSURE');
  if (f.channel !== 'email' && where.states.includes('WA')) obligations.push('WA_30S_DISCLOSURE');
  return { decision: 'ALLOW', obligations };
}
