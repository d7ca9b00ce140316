import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.ts';
import type { ChannelAdapter, ChannelPort } from './ports.ts';
import { createChannelAdapters } from './registry.ts';
import { channelWebhookUrls } from './webhook-paths.ts';

const fakeLocal = (port: ChannelPort): ChannelAdapter => ({ name: 'local', port, send: async () => [] });
const local = { email: fakeLocal('email'), sms: fakeLocal('sms'), voice: fakeLocal('voice') };
const SID = `AC${'0'.repeat(32)}`;
const twilioEnv = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM_NUMBER: '+15125550100' };
const telnyxEnv = { TELNYX_API_KEY: 'KEY0123', TELNYX_CONNECTION_ID: '1494404757140276705', TELNYX_FROM_NUMBER: '+15125550100', TELNYX_PUBLIC_KEY: Buffer.alloc(32, 7).toString('base64') };

function configError(env: Record<string, string>): { message: string; details: { field?: string }[] } {
  try {
    loadConfig(env);
  } catch (e) {
    return e as { message: string; details: { field?: string }[] };
  }
  throw new Error('expected a configuration error');
}

describe('channel configuration', () => {
  it('defaults every channel to local, and the registry hands back the local adapters', () => {
    const cfg = loadConfig({});
    expect(cfg.channels).toMatchObject({ email: 'local', sms: 'local', voice: 'local', publicUrl: undefined, twilio: { baseUrl: 'https://api.twilio.com' } });
    expect(createChannelAdapters(cfg.channels, local)).toEqual(local);
  });

  it('names each missing variable when a real adapter is selected without its settings', () => {
    const smtp = configError({ PORCHLIGHT_EMAIL_ADAPTER: 'smtp' });
    expect(smtp.details.map((d) => d.field)).toEqual(['SMTP_URL', 'PORCHLIGHT_EMAIL_FROM']);
    expect(smtp.message).toMatch(/SMTP_URL is required when PORCHLIGHT_EMAIL_ADAPTER=smtp/);

    const sms = configError({ PORCHLIGHT_SMS_ADAPTER: 'twilio', TWILIO_AUTH_TOKEN: 'token' });
    expect(sms.details.map((d) => d.field)).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_FROM_NUMBER']);

    // a Messaging Service stands in for a sender number for texts, never for calls
    expect(() => loadConfig({ PORCHLIGHT_SMS_ADAPTER: 'twilio', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't', TWILIO_MESSAGING_SERVICE_SID: `MG${'1'.repeat(32)}` })).not.toThrow();
    expect(configError({ PORCHLIGHT_VOICE_ADAPTER: 'twilio', TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 't' }).message).toMatch(/TWILIO_FROM_NUMBER is required when PORCHLIGHT_VOICE_ADAPTER=twilio/);

    // Telnyx: the public key too, or no call event could ever be believed
    const telnyx = configError({ PORCHLIGHT_VOICE_ADAPTER: 'telnyx', TELNYX_API_KEY: 'KEY0123' });
    expect(telnyx.details.map((d) => d.field)).toEqual(['TELNYX_CONNECTION_ID', 'TELNYX_FROM_NUMBER', 'TELNYX_PUBLIC_KEY']);
    expect(telnyx.message).toMatch(/TELNYX_PUBLIC_KEY is required when PORCHLIGHT_VOICE_ADAPTER=telnyx/);
  });

  it('refuses malformed values', () => {
    expect(configError({ SMTP_URL: 'http://mail.example' }).message).toMatch(/SMTP_URL/);
    expect(configError({ TWILIO_ACCOUNT_SID: 'SK123' }).message).toMatch(/TWILIO_ACCOUNT_SID/);
    expect(configError({ TWILIO_FROM_NUMBER: '512-555-0100' }).message).toMatch(/TWILIO_FROM_NUMBER/);
    expect(configError({ PORCHLIGHT_SMS_ADAPTER: 'telnyx' }).message).toMatch(/PORCHLIGHT_SMS_ADAPTER/);
    expect(configError({ TELNYX_PUBLIC_KEY: Buffer.alloc(31).toString('base64') }).message).toMatch(/TELNYX_PUBLIC_KEY must be the base64 of a 32-byte Ed25519 public key/);
    expect(configError({ TELNYX_FROM_NUMBER: '5125550100' }).message).toMatch(/TELNYX_FROM_NUMBER/);
  });

  it('picks the real adapters by configuration, each channel on its own', () => {
    const cfg = loadConfig({
      PORCHLIGHT_EMAIL_ADAPTER: 'smtp', SMTP_URL: 'smtp://u:p@127.0.0.1:2525', PORCHLIGHT_EMAIL_FROM: 'Acme <hi@acme.example>',
      PORCHLIGHT_SMS_ADAPTER: 'twilio', ...twilioEnv, PORCHLIGHT_PUBLIC_URL: 'https://porch.example/',
    });
    const made = createChannelAdapters(cfg.channels, local);
    expect([made.email.name, made.email.port, made.sms.name, made.sms.port]).toEqual(['smtp', 'email', 'twilio', 'sms']);
    expect(made.voice).toBe(local.voice);
    return made.email.close?.();
  });

  it('picks Telnyx for voice and dials through TELNYX_BASE_URL with its settings', async () => {
    const seen: { path: string; body: Record<string, unknown> }[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ path: req.url!, body: JSON.parse(raw) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { call_control_id: 'v3:abc', call_leg_id: 'l', call_session_id: 's', is_alive: false, record_type: 'call' } }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cfg = loadConfig({ PORCHLIGHT_VOICE_ADAPTER: 'telnyx', ...telnyxEnv, TELNYX_BASE_URL: baseUrl, PORCHLIGHT_PUBLIC_URL: 'https://porch.example/' });
      expect(cfg.channels.telnyx).toEqual({ apiKey: 'KEY0123', connectionId: '1494404757140276705', fromNumber: '+15125550100', publicKey: telnyxEnv.TELNYX_PUBLIC_KEY, baseUrl });
      const made = createChannelAdapters(cfg.channels, local);
      expect([made.voice.name, made.voice.port, made.sms]).toEqual(['telnyx', 'voice', local.sms]);

      const org = '0b5c7f2e-9d1a-4c3b-8e6f-1a2b3c4d5e6f';
      const hook = channelWebhookUrls('https://porch.example/', org).telnyxVoice;
      const out = await made.voice.send([{ organizationId: org, messageId: 'm', idempotencyKey: 'k', channel: 'call', to: '+15125550199', from: '', body: 'hi', statusCallbackUrl: hook, callId: 'c-1' }]);
      expect(out).toEqual([{ messageId: 'm', outcome: 'sent', providerMessageId: 'v3:abc' }]);
      expect(seen[0]!.path).toBe('/v2/calls');
      expect(seen[0]!.body).toMatchObject({ connection_id: '1494404757140276705', from: '+15125550100', webhook_url: `https://porch.example/v1/webhooks/telnyx/${org}/voice`, command_id: 'k' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
    expect(loadConfig({}).channels.telnyx.baseUrl).toBe('https://api.telnyx.com');
  });

  it('refuses a configuration built by hand that lacks a setting', () => {
    const cfg = loadConfig({}).channels;
    expect(() => createChannelAdapters({ ...cfg, voice: 'twilio' }, local)).toThrow(/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM_NUMBER/);
    expect(() => createChannelAdapters({ ...cfg, voice: 'telnyx' }, local)).toThrow(/TELNYX_API_KEY.*TELNYX_CONNECTION_ID.*TELNYX_FROM_NUMBER.*TELNYX_PUBLIC_KEY/);
  });

  it('makes the webhook URLs under the public URL', () => {
    const org = '0b5c7f2e-9d1a-4c3b-8e6f-1a2b3c4d5e6f';
    expect(channelWebhookUrls('https://porch.example/', org)).toEqual({
      twilioStatus: `https://porch.example/v1/webhooks/twilio/${org}/status`,
      twilioInbound: `https://porch.example/v1/webhooks/twilio/${org}/sms`,
      mailgunEvents: `https://porch.example/v1/webhooks/mailgun/${org}`,
      telnyxVoice: `https://porch.example/v1/webhooks/telnyx/${org}/voice`,
    });
  });
});
