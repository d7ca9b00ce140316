// What a carrier (or the local voice adapter) reports about a call, in one shape: the voice
// domain (src/domain/voice) applies these, once each by (provider, eventId), whatever the
// carrier. Each adapter turns its own webhooks into these; none of them touches the database.

export type VoiceEventType =
  | 'call_initiated'
  | 'call_ringing'
  | 'call_answered'
  | 'call_ended'
  /** An answering machine or a person picked up (Telnyx answering-machine detection). */
  | 'machine_detected'
  | 'recording_saved'
  /** A turn of the called party, as the speech recognizer heard it. */
  | 'transcription_received'
  /** A turn of the agent (AI or human), as it was spoken. */
  | 'response_generated'
  /** The agent used a tool (a calendar lookup, a booking). */
  | 'tool_called'
  | 'audio_stream_started'
  | 'audio_stream_ended';

/** How a call ended, as the carrier says it. */
export type Hangup = 'completed' | 'no_answer' | 'busy' | 'failed' | 'canceled' | 'time_limit';

export interface VoiceTurn {
  role: 'user' | 'agent' | 'tool';
  text: string;
  /** From the moment the call was answered, in milliseconds. */
  startMs: number;
  endMs: number;
  /** The speaker talked over the other side (the caller interrupted the agent). */
  bargeIn?: boolean;
  toolName?: string | null;
  /** A tool call's arguments (a booking's window ...), as the agent passed them. */
  toolArgs?: Record<string, unknown> | null;
  tokensIn?: number | null;
  tokensOut?: number | null;
  /** The recognizer's confidence in a user turn, 0..1. */
  confidence?: number | null;
  audioUrl?: string | null;
  /** What was really said, when someone (or a test script) knows it: the word error rate's reference. */
  referenceText?: string | null;
}

export interface VoiceEvent {
  /** 'telnyx', 'local' ... */
  provider: string;
  /** The carrier's id of this event: applying it twice applies it once. */
  eventId: string;
  /** The carrier's id of the call, as the adapter returned it when it placed the call. */
  providerCallId: string;
  type: VoiceEventType;
  occurredAt: Date;
  /** call_ended: how it ended. */
  hangup?: Hangup;
  /** call_ended: the carrier's own cause code (Telnyx hangup_cause), kept for the record. */
  errorCode?: string | null;
  /** call_ended: the carrier's billable duration in seconds, when it says. */
  durationSeconds?: number | null;
  /** call_ended or a cost report: what the carrier charged, in integer cents, when it says. */
  costCents?: number | null;
  /** machine_detected: true for an answering machine, false for a person. */
  machine?: boolean;
  recordingUrl?: string | null;
  turn?: VoiceTurn;
  /** The event as the carrier sent it (kept on the call's event record). */
  payload: Record<string, unknown>;
}
