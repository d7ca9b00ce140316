import type { Hangup, VoiceEvent } from './events.ts';

// A Twilio call's status callback (CallSid, CallStatus, CallDuration, RecordingUrl) as the voice
// engine's events, so a call placed through Twilio's Calls API moves like any other: ringing,
// answered, ended with how. Its message is moved by the delivery service from the same callback.

const ENDED: Record<string, Hangup> = { completed: 'completed', busy: 'busy', 'no-answer': 'no_answer', failed: 'failed', canceled: 'canceled' };

export function twilioCallEvents(f: Record<string, string>, at: Date): VoiceEvent[] {
  const status = f.CallStatus?.toLowerCase();
  if (!f.CallSid || !status) return [];
  const base = { provider: 'twilio', eventId: `${f.CallSid}:${status}`, providerCallId: f.CallSid, occurredAt: f.Timestamp && !Number.isNaN(Date.parse(f.Timestamp)) ? new Date(f.Timestamp) : at, payload: { CallStatus: status } };
  if (status === 'ringing') return [{ ...base, type: 'call_ringing' }];
  if (status === 'in-progress' || status === 'answered') return [{ ...base, type: 'call_answered' }];
  const hangup = ENDED[status];
  if (!hangup) return [];
  const out: VoiceEvent[] = [];
  if (f.RecordingUrl) out.push({ ...base, eventId: `${f.CallSid}:recording`, type: 'recording_saved', recordingUrl: f.RecordingUrl });
  const seconds = Number(f.CallDuration ?? f.Duration);
  const price = Number(f.Price);
  out.push({
    ...base, type: 'call_ended', hangup, errorCode: f.ErrorCode ?? (hangup === 'completed' ? null : status),
    durationSeconds: Number.isFinite(seconds) && (f.CallDuration ?? f.Duration) !== undefined ? seconds : null,
    // Twilio reports a negative price in the account's currency; only USD is taken as cents
    costCents: Number.isFinite(price) && f.Price && (f.PriceUnit ?? 'USD').toUpperCase() === 'USD' ? Math.round(Math.abs(price) * 100) : null,
  });
  return out;
}
