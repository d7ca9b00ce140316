import type { OutreachSettings } from '../outreach/outreach-settings.ts';

// The two texts the law makes an inbound keyword answer (COMPLIANCE.md §3.3, §5): the one
// confirmation of an opt-out (who it is from, that nothing more will come, no marketing), and the
// HELP reply (program, a contact, how often, what it may cost, how to stop). Built from the
// organization's outreach settings so that they name the sender the way its other texts do.

const program = (s: OutreachSettings, orgName: string) => s.sender_name ?? orgName;

export function optOutConfirmation(s: OutreachSettings, orgName: string): string {
  // A text STOP ends calls and texts alike (§3.3's gate policy), so the confirmation says both.
  return `${program(s, orgName)}: You are unsubscribed and will receive no more texts or calls from us. Reply START to receive texts again.`;
}

export function helpReply(s: OutreachSettings, orgName: string, publicUrl?: string | null): string {
  const contact = s.from_email ?? s.from_phone ?? publicUrl ?? null;
  const frequency = s.frequency_cap ? `Up to ${s.frequency_cap.count} msgs per ${s.frequency_cap.hours === 24 ? 'day' : `${s.frequency_cap.hours} hrs`}.` : 'Msg frequency varies.';
  return [`${program(s, orgName)}:`, contact ? `Help at ${contact}.` : null, frequency, 'Msg & data rates may apply.', 'Reply STOP to opt out.'].filter(Boolean).join(' ');
}
