import { describe, expect, it } from 'vitest';
import { twilioCallEvents } from './twilio-events.ts';

const at = new Date('2026-03-10T15:00:00Z');

describe("Twilio call status callbacks as voice events", () => {
  it('maps ringing, answered and each way a call ends, with duration, price and recording', () => {
    expect(twilioCallEvents({ CallSid: 'CA1', CallStatus: 'ringing' }, at)).toMatchObject([{ type: 'call_ringing', eventId: 'CA1:ringing', providerCallId: 'CA1', provider: 'twilio' }]);
    expect(twilioCallEvents({ CallSid: 'CA1', CallStatus: 'in-progress' }, at)).toMatchObject([{ type: 'call_answered' }]);
    const done = twilioCallEvents({ CallSid: 'CA1', CallStatus: 'completed', CallDuration: '125', Price: '-0.0260', PriceUnit: 'USD', RecordingUrl: 'https://api.twilio.com/rec/RE1' }, at);
    expect(done).toMatchObject([{ type: 'recording_saved', recordingUrl: 'https://api.twilio.com/rec/RE1' }, { type: 'call_ended', hangup: 'completed', durationSeconds: 125, costCents: 3, errorCode: null }]);
    expect(twilioCallEvents({ CallSid: 'CA2', CallStatus: 'no-answer' }, at)).toMatchObject([{ type: 'call_ended', hangup: 'no_answer', errorCode: 'no-answer', durationSeconds: null }]);
    expect(twilioCallEvents({ CallSid: 'CA3', CallStatus: 'busy' }, at)[0]).toMatchObject({ hangup: 'busy' });
    expect(twilioCallEvents({ CallSid: 'CA4', CallStatus: 'completed', Price: '-0.02', PriceUnit: 'EUR' }, at)[0]).toMatchObject({ costCents: null });
  });

  it('ignores what is not a call, or a status it does not know', () => {
    expect(twilioCallEvents({ MessageSid: 'SM1', MessageStatus: 'delivered' }, at)).toEqual([]);
    expect(twilioCallEvents({ CallSid: 'CA1', CallStatus: 'queued' }, at)).toEqual([]);
  });
});
