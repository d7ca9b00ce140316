import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter, OutboundMessage } from './ports.ts';
import { createSmtpAdapter, smtpMessageId } from './smtp.ts';

// A real SMTP server on 127.0.0.1 (smtp-server, plain text, AUTH required): it records every
// session's login and DATA, and answers by the recipient's local part: busy@ → 450 at RCPT,
// nobody@ → 550 at RCPT, spam@ → 554 after DATA, anything else → 250.
interface Received { user: string | undefined; mailFrom: string; rcptTo: string[]; raw: string; session: string }

async function stubSmtp() {
  const received: Received[] = [];
  const sessions = new Set<string>();
  const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onConnect(session, cb) {
      sessions.add(session.id);
      cb();
    },
    onAuth(auth, _session, cb) {
      if (auth.username === 'porch' && auth.password === 'p@ss word') cb(null, { user: auth.username });
      else cb(reply(535, '5.7.8 Authentication credentials invalid'));
    },
    onRcptTo(address, _session, cb) {
      const local = address.address.split('@')[0];
      if (local === 'busy') return cb(reply(450, '4.2.1 Mailbox busy, try again later'));
      if (local === 'nobody') return cb(reply(550, '5.1.1 The email account that you tried to reach does not exist'));
      cb();
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        if (session.envelope.rcptTo.some((r) => r.address.startsWith('spam@'))) return cb(reply(554, '5.7.1 Message rejected as spam'));
        // the server takes the message and the line drops before it says so
        if (session.envelope.rcptTo.some((r) => r.address.startsWith('drop@'))) {
          received.push({ user: undefined, mailFrom: '', rcptTo: ['drop'], raw, session: session.id });
          return (session as unknown as { socket?: { destroy(): void } }).socket?.destroy() ?? server.connections?.forEach?.((c: { _socket?: { destroy(): void } }) => c._socket?.destroy());
        }
        received.push({
          user: session.user as string | undefined, mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address), raw, session: session.id,
        });
        cb();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  const close = () => new Promise<void>((ok) => server.close(() => ok()));
  cleanups.push(close);
  return { port, received, sessions, close, url: `smtp://porch:${encodeURIComponent('p@ss word')}@127.0.0.1:${port}` };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const adapter = (opts: Parameters<typeof createSmtpAdapter>[0]): ChannelAdapter => {
  const a = createSmtpAdapter({ timeoutMs: 2000, ...opts });
  cleanups.push(async () => a.close?.());
  return a;
};

const ORG = '00000000-0000-4000-8000-000000000001';
const msg = (i: number, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  organizationId: ORG, messageId: `m-${i}`, idempotencyKey: `seq:e-${i}:step-1`, channel: 'email', to: `owner${i}@example.net`,
  from: 'Acme Homebuyers <hello@acme.example>', subject: `We buy houses ${i}`, body: `Hello ${i}`, ...over,
});

/** The header block of a raw message, unfolded, by lowercased name. */
function headersOf(raw: string): Map<string, string> {
  const block = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return new Map(block.split(/\r?\n/).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
}

describe('SMTP adapter', () => {
  it('sends text, html, subject and the one-click unsubscribe headers, with a Message-ID from the key', async () => {
    const smtp = await stubSmtp();
    const email = adapter({ url: smtp.url });
    const unsubscribe = '<https://porch.example/v1/unsubscribe/tok>, <mailto:unsubscribe@acme.example>';
    const [res] = await email.send([msg(1, {
      html: '<p>Hello <b>1</b></p>',
      headers: { 'List-Unsubscribe': unsubscribe, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Message-ID': '<not-this@x>' },
    })]);

    const id = `<seq%3Ae-1%3Astep-1.${ORG}@acme.example>`;
    expect(res).toEqual({ messageId: 'm-1', outcome: 'sent', providerMessageId: id, costCents: null });
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0]!;
    expect(got).toMatchObject({ user: 'porch', mailFrom: 'hello@acme.example', rcptTo: ['owner1@example.net'] });
    const h = headersOf(got.raw);
    expect(h.get('message-id')).toBe(id);
    expect(h.get('subject')).toBe('We buy houses 1');
    expect(h.get('from')).toBe('Acme Homebuyers <hello@acme.example>');
    expect(h.get('to')).toBe('owner1@example.net');
    expect(h.get('list-unsubscribe')).toBe(unsubscribe);
    expect(h.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(h.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(got.raw).toContain('Hello 1');
    expect(got.raw).toContain('<p>Hello <b>1</b></p>');
    expect(got.raw).not.toContain('not-this@x');
  });

  it('a resend of the same key carries the same Message-ID', async () => {
    const smtp = await stubSmtp();
    const email = adapter({ url: smtp.url });
    const [a] = await email.send([msg(1)]);
    const [b] = await email.send([msg(1, { messageId: 'm-1-again' })]);
    expect(a!.providerMessageId).toBe(b!.providerMessageId);
    expect(smtp.received.map((r) => headersOf(r.raw).get('message-id'))).toEqual([a!.providerMessageId, a!.providerMessageId]);
  });

  it('sends a batch over the pooled connections', async () => {
    const smtp = await stubSmtp();
    const email = adapter({ url: smtp.url, maxConnections: 2 });
    const out = await email.send(Array.from({ length: 12 }, (_, i) => msg(i + 1)));
    expect(out.every((r) => r.outcome === 'sent')).toBe(true);
    expect(new Set(out.map((r) => r.messageId)).size).toBe(12);
    expect(smtp.received.map((r) => r.rcptTo[0]).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `owner${i + 1}@example.net`).sort());
    expect(smtp.sessions.size).toBeLessThanOrEqual(2);
  });

  it('maps 550 and 554 to failed with the server text, 450 to retry, and keeps the rest of the batch going', async () => {
    const smtp = await stubSmtp();
    const email = adapter({ url: smtp.url, maxConnections: 1 });
    const out = await email.send([
      msg(1, { to: 'nobody@example.net' }), msg(2, { to: 'busy@example.net' }), msg(3, { to: 'spam@example.net' }), msg(4),
    ]);
    const by = new Map(out.map((r) => [r.messageId, r]));
    expect(by.get('m-1')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('550 5.1.1 The email account that you tried to reach does not exist') });
    expect(by.get('m-2')).toMatchObject({ outcome: 'retry', error: expect.stringContaining('450 4.2.1 Mailbox busy') });
    expect(by.get('m-3')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('554 5.7.1 Message rejected as spam') });
    expect(by.get('m-4')).toMatchObject({ outcome: 'sent' });
    expect(smtp.received.map((r) => r.rcptTo[0])).toEqual(['owner4@example.net']);
  });

  it('a refused login is retried, not failed for good: it is the configuration, not the message', async () => {
    const smtp = await stubSmtp();
    const [res] = await adapter({ url: `smtp://porch:wrong@127.0.0.1:${smtp.port}` }).send([msg(1)]);
    expect(res).toMatchObject({ outcome: 'retry', error: expect.stringContaining('535') });
    expect(res!.error).not.toContain('wrong');
  });

  it('a line dropped after the message was sent is a failure with the outcome unknown, never sent twice', async () => {
    const smtp = await stubSmtp();
    const [res] = await adapter({ url: smtp.url, transport: { maxRequeues: 0 } }).send([{ ...msg(1), to: 'drop@example.com' }]);
    expect(res).toMatchObject({ outcome: 'failed', error: expect.stringContaining('outcome unknown') });
    expect(smtp.received.length).toBe(1);
  });

  it('no server listening is a retry', async () => {
    const smtp = await stubSmtp();
    await smtp.close();
    const [res] = await adapter({ url: smtp.url, transport: { maxRequeues: 0 } }).send([msg(1)]);
    expect(res).toMatchObject({ outcome: 'retry', error: expect.stringMatching(/ECONNREFUSED|ECONNECTION|ESOCKET/) });
  });

  it('uses the configured sender when the message has none, and fails a message without any', async () => {
    const smtp = await stubSmtp();
    const [withDefault] = await adapter({ url: smtp.url, from: 'ops@porch.example' }).send([msg(1, { from: '' })]);
    expect(withDefault).toMatchObject({ outcome: 'sent', providerMessageId: `<seq%3Ae-1%3Astep-1.${ORG}@porch.example>` });
    expect(smtp.received[0]!.mailFrom).toBe('ops@porch.example');
    const [none] = await adapter({ url: smtp.url }).send([msg(2, { from: '' })]);
    expect(none).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/no sender/) });
  });

  it('has no lookup: an SMTP server cannot be asked what it received', () => {
    expect(adapter({ url: 'smtp://127.0.0.1:1' }).lookup).toBeUndefined();
  });
});

describe('smtpMessageId', () => {
  it('is deterministic, escapes to atext so distinct keys stay distinct, and names the sender domain', () => {
    expect(smtpMessageId(ORG, 'a.b', 'x@Mail.Example')).toBe(`<a%2Eb.${ORG}@mail.example>`);
    expect(smtpMessageId(ORG, 'a%2Eb', 'x@mail.example')).toBe(`<a%252Eb.${ORG}@mail.example>`);
    expect(smtpMessageId(ORG, 'café 1', 'x@m.example')).toBe(`<caf%C3%A9%201.${ORG}@m.example>`);
    expect(smtpMessageId(ORG, 'k', 'no-domain')).toBe(`<k.${ORG}@porchlight.local>`);
    expect(smtpMessageId('other-org', 'k', 'x@m.example')).not.toBe(smtpMessageId(ORG, 'k', 'x@m.example'));
  });

  it('hashes a key too long for a header line', () => {
    const id = smtpMessageId(ORG, 'k'.repeat(300), 'x@m.example');
    expect(id).toMatch(new RegExp(`^<sha256-[0-9a-f]{64}\\.${ORG}@m\\.example>$`));
    expect(id).toBe(smtpMessageId(ORG, 'k'.repeat(300), 'x@m.example'));
  });
});
