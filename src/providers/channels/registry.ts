import { AppError } from '../../app/errors.ts';
import { missingChannelSettings, type ChannelConfig } from '../../app/config.ts';
import type { ChannelAdapter } from './ports.ts';
import { createSmtpAdapter } from './smtp.ts';
import { createTwilioClient, createTwilioSmsAdapter, createTwilioVoiceAdapter } from './twilio.ts';
import { createTelnyxVoiceAdapter } from '../voice/telnyx.ts';

// Which adapter each channel uses, by configuration: the local one (the caller makes it, it needs
// the database) unless the environment selects a real one. The container calls this once.

export interface ChannelAdapters {
  email: ChannelAdapter;
  sms: ChannelAdapter;
  voice: ChannelAdapter;
}

export function createChannelAdapters(cfg: ChannelConfig, local: ChannelAdapters): ChannelAdapters {
  // loadConfig refuses these already; checked again for a configuration built by hand.
  const missing = missingChannelSettings(cfg);
  if (missing.length) {
    throw new AppError('VALIDATION', `channel adapters not configured: ${missing.map((d) => `${d.field} ${d.message}`).join('; ')}`, missing);
  }
  const twilio = cfg.sms === 'twilio' || cfg.voice === 'twilio'
    ? (() => {
        const t = cfg.twilio;
        // One client for both channels: Twilio's limits are per account.
        const client = createTwilioClient({ accountSid: t.accountSid!, authToken: t.authToken!, baseUrl: t.baseUrl, timeoutMs: cfg.timeoutMs, ratePerSecond: cfg.ratePerSecond });
        return { client, fromNumber: t.fromNumber ?? null };
      })()
    : null;

  return {
    email: cfg.email === 'smtp'
      ? createSmtpAdapter({ url: cfg.smtp.url!, from: cfg.smtp.from, timeoutMs: cfg.timeoutMs, ratePerSecond: cfg.ratePerSecond })
      : local.email,
    sms: cfg.sms === 'twilio'
      // the outbox gives every message its organization's status callback URL
      ? createTwilioSmsAdapter({ ...twilio!, messagingServiceSid: cfg.twilio.messagingServiceSid })
      : local.sms,
    voice: cfg.voice === 'twilio'
      ? createTwilioVoiceAdapter({ ...twilio! })
      : cfg.voice === 'telnyx'
        // the outbox gives every call its organization's Telnyx webhook URL and its call id (client_state)
        ? createTelnyxVoiceAdapter({
            apiKey: cfg.telnyx.apiKey!, connectionId: cfg.telnyx.connectionId!, fromNumber: cfg.telnyx.fromNumber ?? null,
            baseUrl: cfg.telnyx.baseUrl, timeoutMs: cfg.timeoutMs, ratePerSecond: cfg.ratePerSecond,
          })
        : local.voice,
  };
}
