// The channel ports: how a message that the compliance gate allowed leaves Porchlight. Each
// channel has a local adapter (the default: it writes to the outbox table, never sends) and a
// real one (SMTP for email, a carrier's REST API for SMS and calls). Only the dispatcher
// (src/domain/outreach/dispatch.ts) holds adapters, and it hands them only messages with an
// allowing decision of the gate: test/medium/gate-only.test.ts proves no other code reaches one.

export type ChannelPort = 'email' | 'sms' | 'voice';

/** One message as the provider gets it. Every message carries its idempotency key. */
export interface OutboundMessage {
  organizationId: string;
  messageId: string;
  /** Unique per organization; a provider that dedupes by key gets it, the local outbox keys on it. */
  idempotencyKey: string;
  channel: 'email' | 'sms' | 'call' | 'ai_call';
  /** E.164 for phones, the address for email. */
  to: string;
  /** The sender: a phone number in E.164 or an email address (display name allowed). */
  from: string;
  subject?: string | null;
  /** Plain text (SMS body, email text part, call script or greeting). */
  body: string;
  html?: string | null;
  /** Email headers the gate obliged (List-Unsubscribe, List-Unsubscribe-Post ...). */
  headers?: Record<string, string>;
  /** Where the provider posts delivery/call events for this message (absolute URL), if known. */
  statusCallbackUrl?: string | null;
  /** A call: record it (only when the gate allowed recording). */
  record?: boolean;
  /** A call: Porchlight's id of the call record (a carrier echoes it back with its events, e.g. Telnyx client_state). */
  callId?: string | null;
  /** A call: the carrier hangs up after this many seconds (the voice configuration's maximum duration). */
  timeLimitSeconds?: number | null;
}

export interface SendResult {
  messageId: string;
  /** sent: the provider accepted it. failed: it refused it for good. retry: try again later. */
  outcome: 'sent' | 'failed' | 'retry';
  providerMessageId?: string | null;
  error?: string | null;
  /** What the provider charged or will charge, in integer cents, when it says. */
  costCents?: number | null;
  /** SMS segments as billed by the provider, when it says. */
  segments?: number | null;
}

export interface ChannelAdapter {
  /** 'local', 'smtp', 'twilio' ... stored on the message as its provider. */
  readonly name: string;
  readonly port: ChannelPort;
  /** Hand a batch to the provider; one result per message, in any order. Never throws for one bad message. */
  send(batch: OutboundMessage[]): Promise<SendResult[]>;
  /**
   * After a crash between handing messages over and recording the answers: what the provider
   * knows of them by idempotency key. A result: it has it. 'absent': it certainly never got it
   * (handing it over again sends it once). A key left out, or no lookup at all: it cannot say,
   * and the message is marked failed as "outcome unknown", never sent again (at most once).
   */
  lookup?(organizationId: string, idempotencyKeys: string[]): Promise<Map<string, SendResult | 'absent'>>;
  close?(): Promise<void>;
}
