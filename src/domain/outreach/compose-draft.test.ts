import { describe, expect, it } from 'vitest';
import { inlineContent, requireSender } from './compose-draft.ts';
import { OutreachSettings } from './outreach-settings.ts';

describe('inline content', () => {
  it('names the part, line and column of each problem', () => {
    expect(() => inlineContent('sms', 'Hello\n  {{person.nmae}} and {{org.name}}', null)).toThrow(expect.objectContaining({
      code: 'TEMPLATE_INVALID',
      details: [{ field: 'body', line: 2, message: expect.stringMatching(/Unknown field person\.nmae.*\(line 2, column 5\)$/) }],
    }));
    expect(() => inlineContent('email', 'Hi', null)).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'subject' })] }));
    expect(inlineContent('email', 'Hi {{person.first_name | "there"}}', 'Your roof')).toEqual({ channel: 'email', subject: 'Your roof', body: 'Hi {{person.first_name | "there"}}', html: null, templateId: null });
  });
});

describe('the sender a message needs', () => {
  const settings = (s: object) => OutreachSettings.parse(s);
  it('refuses a channel without a sending address, and a first marketing text without a sender name', () => {
    expect(() => requireSender(settings({}), 'sms', 'marketing')).toThrow(/from_phone/);
    expect(() => requireSender(settings({ from_phone: '+15125550199' }), 'sms', 'marketing')).toThrow(/sender_name/);
    expect(() => requireSender(settings({ from_phone: '+15125550199' }), 'sms', 'informational')).not.toThrow();
    expect(() => requireSender(settings({ from_phone: '+15125550199' }), 'email', 'marketing')).toThrow(/from_email/);
  });
});
