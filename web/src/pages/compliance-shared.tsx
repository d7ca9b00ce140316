import { Fragment } from 'react';
import { contact, when } from './calls-shared.tsx';

// The gate's words in plain English: what each reason and obligation code means (COMPLIANCE.md
// §8), a verdict as a badge, and the facts a decision used, as a list a person can read.

/** Reason codes: the rule each one names. A code with a state (QUIET_HOURS_STATE:FL) is looked up without it. */
export const REASONS: Record<string, string> = {
  OPTED_OUT: 'they opted out on this channel',
  CONSENT_REVOKED: 'they revoked consent (on another channel: it stops all marketing)',
  INTERNAL_DNC: 'the number is on your own do-not-contact list',
  STATE_EMERGENCY: 'a declared state of emergency stops solicitations there',
  REASSIGNED_NUMBER: 'the number changed hands after the consent was given',
  NO_CONSENT_ARTIFICIAL_VOICE: 'an AI or recorded voice needs consent on file',
  PEWC_REQUIRED: 'this needs prior express written consent',
  'PEWC_REQUIRED:AI_MARKETING': 'a marketing call by an AI voice needs prior express written consent',
  'PEWC_REQUIRED:SMS_MARKETING': 'a marketing text needs prior express written consent',
  'PEWC_REQUIRED:STATE_CT': 'Connecticut wants written consent for marketing calls',
  'PEWC_REQUIRED:STATE_AUTOMATED_FL_OK_MD': 'Florida, Oklahoma and Maryland want written consent for automated dialing',
  NO_CONSENT_CALLER_POLICY: "the caller's voice settings ask for consent before any call",
  SMS_SENDER_UNREGISTERED: 'your texting number is not registered (10DLC)',
  NATIONAL_DNC: 'the number is on the National Do Not Call Registry',
  STATE_DNC: "the number is on the state's do-not-call list",
  EBR_EXPIRED: 'the business relationship that would allow it has expired',
  DNC_DATA_STALE: 'your copy of the registry for this area code is older than 31 days (or missing)',
  RECORDING_DISCLOSURE_REQUIRED: 'a recorded call must say so at the start',
  CONFIRMATION_WINDOW_EXPIRED: 'the one opt-out confirmation must go within 5 minutes of the STOP',
  CONFIRMATION_ALREADY_SENT: 'the opt-out confirmation was already sent',
  EMAIL_UNSUBSCRIBED: 'the address unsubscribed',
  EMAIL_POSTAL_ADDRESS_MISSING: 'a marketing e-mail needs your postal address',
  EMAIL_UNSUBSCRIBE_MISSING: 'a marketing e-mail needs an unsubscribe link',
  EMAIL_ONE_CLICK_MISSING: 'bulk senders need one-click unsubscribe',
  EMAIL_SENDER_UNAUTHENTICATED: 'your sending domain is not authenticated (SPF, DKIM, DMARC)',
  LOCATION_TERRITORY_UNRESOLVED: 'where the recipient is cannot be told, and no safe hour fits every place',
  QUIET_HOURS_FEDERAL: 'outside 8 am – 9 pm where they are',
  QUIET_HOURS_STATE: "outside the state's calling hours",
  SUNDAY: 'the state allows no such calls on Sunday',
  SUNDAY_HOURS: "outside the state's shorter Sunday hours",
  HOLIDAY: 'a state holiday with no solicitation',
  AUTOMATED_WEEKDAYS_ONLY: 'automated calls on weekdays only there',
  FREQ_CAP_ORG: "your organization's cap on attempts to one number",
  FREQ_CAP_3_PER_24H: 'at most 3 attempts in 24 hours there',
  LEAD_QUIET_HOURS: "inside the lead's own quiet hours",
  TZ_INTERSECTION: 'the hours of every place they may be do not overlap now',
  TZ_UNKNOWN_SAFE_WINDOW: "their time zone is unknown: only the safe window that is daytime everywhere",
};

export const OBLIGATIONS: Record<string, string> = {
  IDENTIFY_AT_START: 'say who is calling and for which business at the start',
  OFFER_IN_CALL_OPT_OUT: 'offer a way to opt out during the call',
  PLAY_RECORDING_DISCLOSURE: 'say the call is recorded',
  CT_10S_DISCLOSURE: 'Connecticut: identify yourself within 10 seconds',
  WA_30S_DISCLOSURE: 'Washington: identify yourself within 30 seconds',
  NO_MARKETING_CONTENT: 'no marketing in the confirmation',
  HELP_CONTENT: 'answer with help content',
};

export function explain(code: string, table: Record<string, string> = REASONS) {
  return table[code] ?? table[code.split(':')[0]!] ?? (/^FREQ_CAP_/.test(code) ? 'a cap on attempts to one number' : null);
}

const VERDICT = { allow: ['allowed', 'good'], deny: ['blocked', 'bad'], defer: ['held back', 'warn'] } as const;

export function Verdict({ value }: { value: string }) {
  const [label, tone] = VERDICT[value as keyof typeof VERDICT] ?? [value, 'muted'];
  return <span className={`badge ${tone}`}>{label}</span>;
}

/** Codes with what each means, one a line. */
export function Codes({ codes, table = REASONS, first }: { codes: string[]; table?: Record<string, string>; first?: string | null }) {
  if (!codes.length) return null;
  return (
    <ul className="cc-codes">
      {codes.map((c) => <li key={c}><code>{c}</code>{c === first ? <strong> (the reason)</strong> : null}{explain(c, table) ? <> · {explain(c, table)}</> : null}</li>)}
    </ul>
  );
}

const LABELS: Record<string, string> = {
  at: 'Asked for', channel: 'Channel', purpose: 'Purpose', phone: 'Phone', consent: 'Consent on file', revoked: 'Revoked', internalDnc: 'On your do-not-contact list',
  dnc: 'Registries', ebr: 'Business relationship', mailingState: 'Mailing state', mailingZip: 'Mailing ZIP', prior: 'Earlier attempts', quietHours: "Lead's quiet hours",
  orgCap: 'Your attempt cap', record: 'Recorded', recordingDisclosure: 'Says it is recorded', smsSenderRegistered: 'Texting number registered', email: 'E-mail',
  reassigned: 'Number reassigned', laEmergency: 'Louisiana emergency', automatedDialing: 'Automated dialing', callerRequiresConsent: 'Caller asks for consent first',
};

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(v) ? when(v) : contact(v);
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : 'none';
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join('; ') || '—';
  return String(v);
}

/** The registries' fact: on the national list, on the state's, and how old the copy is. */
function registries(v: unknown) {
  const d = (v ?? {}) as { national?: boolean; state?: boolean; registryAsOf?: string | null };
  return `national registry: ${d.national ? 'listed' : 'not listed'}${d.state ? '; state list: listed' : ''}; copy of ${d.registryAsOf ? when(d.registryAsOf) : 'none: no scrub'}`;
}

/** The facts the gate decided on, labelled. */
export function GateFacts({ facts }: { facts: Record<string, unknown> }) {
  const rows = Object.entries(facts).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k === 'dnc' ? registries(v) : v] as const);
  return <dl className="facts">{rows.map(([k, v]) => <Fragment key={k}><dt>{LABELS[k] ?? k}</dt><dd>{show(v)}</dd></Fragment>)}</dl>;
}
