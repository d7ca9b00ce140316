import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../app/errors.ts';
import {
  MERGE_FIELDS, SCOPES, parseTemplate, renderMessage, renderTemplate, titleCase, validateTemplate, withOptOut, type MergeContext,
} from './template.ts';

const ctx: MergeContext = {
  lead: { last_contacted_at: new Date('2026-03-04T03:00:00Z'), next_follow_up_at: null },
  person: { first_name: 'John', last_name: "O'Brien", full_name: null, company_name: null, is_company: false, timezone: 'America/Los_Angeles' },
  property: {
    address_line1: '123 N MAIN ST', address_line2: 'APT 4B', city: 'SAINT LOUIS', state: 'MO', zip: '63101',
    subdivision: 'OAK RIDGE 5TH ADDN', year_built: 1987, roof_age_years: 18, estimated_value_cents: '32500049',
  },
  user: { full_name: 'Sarah Miller', email: 'sarah@acme.example', phone: '+13055550101' },
  org: { name: 'Acme Roofing', postal_address: '100 Main St, Springfield, IL 62701' },
};
const render = (t: string, c: MergeContext = ctx) => renderTemplate(t, c);
const failure = (f: () => unknown): AppError => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(AppError); return e as AppError; }
  throw new Error('expected a failure');
};

describe('MERGE_FIELDS', () => {
  const schema = readFileSync(new URL('../../../schema.sql', import.meta.url), 'utf8');
  const columnsOf = (table: string) => {
    const body = new RegExp(`^TABLE ${table} \\(\\n([\\s\\S]*?)\\n\\);`, 'm').exec(schema)?.[1] ?? '';
    return new Set(body.split('\n').map((l) => /^\s+([a-z_0-9]+) /.exec(l)?.[1]).filter(Boolean));
  };

  it('reads only columns that exist in schema.sql', () => {
    for (const scope of SCOPES) {
      for (const [field, spec] of Object.entries(MERGE_FIELDS[scope])) {
        const refs = [...spec.source.matchAll(/\b(lead|person|property|app_user|organization)\.([a-z_0-9]+)/g)];
        expect(refs.length, `${scope}.${field} names its column`).toBeGreaterThan(0);
        for (const [, table, column] of refs) expect(columnsOf(table!).has(column!), `${table}.${column}`).toBe(true);
      }
    }
  });

  it('renders every field from a full context', () => {
    for (const scope of SCOPES) {
      for (const field of Object.keys(MERGE_FIELDS[scope])) {
        if (`${scope}.${field}` === 'lead.next_follow_up_at' || `${scope}.${field}` === 'person.company_name') continue; // null above
        expect(render(`{{${scope}.${field}}}`), `${scope}.${field}`).not.toBe('');
      }
    }
  });
});

describe('parseTemplate', () => {
  it('lists the fields used, once each, in order, with their fallbacks', () => {
    const text = 'Hi {{ person.first_name | "there" }}, about {{property.address}} — {{person.first_name}}';
    const p = parseTemplate(text);
    expect(p.errors).toEqual([]);
    expect(p.fields).toEqual(['person.first_name', 'property.address']);
    expect(p.parts).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'field', name: 'person.first_name', scope: 'person', field: 'first_name', fallback: 'there', index: 6 },
      { kind: 'text', text: ', about ' },
      { kind: 'field', name: 'property.address', scope: 'property', field: 'address', fallback: null, index: text.indexOf('property.') },
      { kind: 'text', text: ' — ' },
      { kind: 'field', name: 'person.first_name', scope: 'person', field: 'first_name', fallback: null, index: text.lastIndexOf('person.') },
    ]);
  });

  it('takes single-quoted fallbacks and escaped quotes', () => {
    expect(parseTemplate("{{person.first_name|'friend'}}").parts[0]).toMatchObject({ fallback: 'friend' });
    expect(parseTemplate('{{person.first_name | "the \\"owner\\""}}').parts[0]).toMatchObject({ fallback: 'the "owner"' });
  });

  it('leaves plain text and single braces alone', () => {
    expect(parseTemplate('Call {me} at 5 } or {')).toEqual({ parts: [{ kind: 'text', text: 'Call {me} at 5 } or {' }], fields: [], errors: [] });
    expect(parseTemplate('')).toEqual({ parts: [], fields: [], errors: [] });
  });

  // The second column marks where the error points: the first place it occurs in the text.
  it.each([
    ['Hi {{owner.first_name}}', 'owner', 'Unknown scope "owner"'],
    ['Hi {{person.firstname}}', 'person', 'Unknown field person.firstname: person has first_name, last_name'],
    ['Hi {{ person.nickname }}', 'person', 'Unknown field person.nickname'],
    ['Hi {{person.constructor}}', 'person', 'Unknown field person.constructor'],
    ['Hi {{first_name}}', 'first', '"first_name" needs a scope'],
    ['Hi {{Person.First_Name}}', 'Person', 'field names are lower case: person.first_name'],
    ['Hi {{person.first-name}}', 'person', 'is not a field name'],
    ['Hi {{ }} there', ' }}', 'Empty field name'],
    ['Hi {{}}', '}}', 'Empty field name'],
    ['Hi {{ | "x"}}', ' |', 'Empty field name'],
    ['Hi {{person.first_name', '{{', '"{{" is not closed'],
    ['Hi person.first_name}}', '}}', '"}}" with no "{{"'],
    ['Hi {{person.first_name | there}}', 'there', 'must be quoted text'],
    ['Hi {{person.first_name | ""}}', '""', 'fallback of person.first_name is empty'],
    ["Hi {{person.first_name |'  '}}", "'", 'is empty'],
  ])('%j → error at %j: %s', (text, at, message) => {
    const p = parseTemplate(text);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.index).toBe(text.indexOf(at));
    expect(p.errors[0]!.message).toContain(message);
    expect(p.fields).toEqual([]);
  });

  it('reports an unclosed tag and still reads the next one', () => {
    const p = parseTemplate('Hi {{person.first_name, from {{org.name}}');
    expect(p.errors).toEqual([{ index: 3, message: expect.stringContaining('not closed') }]);
    expect(p.fields).toEqual(['org.name']);
  });

  it('reports every error, not just the first', () => {
    const p = parseTemplate('{{a.b}} {{person.x}} }} {{');
    expect(p.errors.map((e) => e.index)).toEqual([2, 10, 21, 24]);
    expect(p.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('Unknown scope "a"'), expect.stringContaining('Unknown field person.x'),
      expect.stringContaining('no "{{"'), expect.stringContaining('not closed'),
    ]);
  });
});

describe('validateTemplate', () => {
  it('accepts a good email and lists its fields across subject, body and HTML', () => {
    const v = validateTemplate({
      channel: 'email', subject: 'About {{property.address_line1}}', body: 'Hi {{person.first_name | "there"}}',
      html: '<p>{{org.name}}<br>{{org.postal_address}}</p>',
    });
    expect(v).toEqual({ ok: true, errors: [], fields: ['property.address_line1', 'person.first_name', 'org.name', 'org.postal_address'] });
  });

  it('requires a one-line subject on an email', () => {
    expect(validateTemplate({ channel: 'email', body: 'Hi' }).errors).toEqual([{ field: 'subject', message: 'An email needs a subject', index: 0 }]);
    expect(validateTemplate({ channel: 'email', subject: '  ', body: 'Hi' }).ok).toBe(false);
    expect(validateTemplate({ channel: 'email', subject: 'Hi\nBcc: x@y.z', body: 'Hi' }).errors).toEqual([{ field: 'subject', message: 'A subject is one line', index: 2 }]);
  });

  it('refuses a subject or HTML on a text or a call, and an empty body', () => {
    expect(validateTemplate({ channel: 'sms', subject: 'Hello', body: 'Hi' }).errors).toEqual([{ field: 'subject', message: 'Only an email has a subject', index: 0 }]);
    expect(validateTemplate({ channel: 'call', html: '<p>x</p>', body: 'Hi' }).errors[0]).toMatchObject({ field: 'html' });
    expect(validateTemplate({ channel: 'call', body: ' \n ' }).errors).toEqual([{ field: 'body', message: 'The body is empty', index: 0 }]);
  });

  it('makes an unknown field a save-time error, located in its part', () => {
    const v = validateTemplate({ channel: 'email', subject: 'Hi', body: 'ok', html: '<p>{{org.adress}}</p>' });
    expect(v.ok).toBe(false);
    expect(v.errors).toEqual([{ field: 'html', index: 5, message: expect.stringContaining('Unknown field org.adress') }]);
  });

  it('estimates SMS segments from typical field lengths, the raw text and a first touch', () => {
    const v = validateTemplate({ channel: 'sms', body: 'Hi {{person.first_name}}, is {{property.address_line1}} for sale?' });
    const rendered = 'Hi Michael, is 1234 Maple Ave for sale?';
    const firstTouch = `${rendered}\nPorchlight Roofing: Reply STOP to opt out`;
    expect(v.ok).toBe(true);
    expect(v.sms).toEqual({
      encoding: 'GSM-7', segments: 1, characters: rendered.length, units: rendered.length,
      // as typed, each brace is a GSM extension character: two septets
      template: { encoding: 'GSM-7', segments: 1, characters: 65, units: 65 + 8 },
      firstTouch: { encoding: 'GSM-7', segments: 1, characters: firstTouch.length, units: firstTouch.length },
    });
  });

  it('shows when fields push a text past one segment, or an emoji forces UCS-2', () => {
    const body = `${'x'.repeat(130)} {{property.address}}`; // 151 characters (155 septets) as typed, 168 rendered
    expect(validateTemplate({ channel: 'sms', body }).sms).toMatchObject({ segments: 2, template: { segments: 1 } });
    expect(validateTemplate({ channel: 'sms', body: 'Hi {{person.first_name}} 🏠' }).sms).toMatchObject({ encoding: 'UCS-2', characters: 12, units: 13 });
    expect(validateTemplate({ channel: 'email', subject: 's', body: 'b' }).sms).toBeUndefined();
  });
});

describe('renderTemplate', () => {
  it('fills fields and uses the fallback only when the value is missing or blank', () => {
    expect(render('Hi {{person.first_name | "there"}}!')).toBe('Hi John!');
    for (const first_name of [null, '', '   ']) {
      expect(render('Hi {{person.first_name | "there"}}!', { person: { first_name, full_name: null } })).toBe('Hi there!');
    }
    expect(render('Hi {{person.first_name | "there"}}!', {})).toBe('Hi there!');
  });

  it('fails, naming each field, when a value is missing and there is no fallback', () => {
    const e = failure(() => render('Hi {{person.first_name}}, {{lead.next_follow_up_at}} {{person.first_name}}', { person: { first_name: null } }));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toBe('No value and no fallback for person.first_name, lead.next_follow_up_at');
    expect(e.details.map((d) => d.field)).toEqual(['person.first_name', 'lead.next_follow_up_at']);
  });

  it('refuses a template that does not parse', () => {
    expect(failure(() => render('Hi {{person.nick}}')).message).toContain('Unknown field person.nick');
  });

  it('derives first and last names from a full name stored alone, never for a company', () => {
    expect(render('{{person.first_name}} {{person.last_name}}', { person: { full_name: 'SMITH, JOHN A' } })).toBe('John Smith');
    expect(render('{{person.full_name}}', { person: { full_name: 'JOHN & MARY SMITH' } })).toBe('John & Mary Smith');
    expect(render('{{person.full_name}}', { person: { first_name: 'ANA', last_name: 'DE LA CRUZ' } })).toBe('Ana De La Cruz');
    const company = { person: { full_name: 'MAPLE HOLDINGS LLC', company_name: 'MAPLE HOLDINGS LLC', is_company: true } };
    expect(render('Hi {{person.first_name | "there"}} at {{person.company_name}}', company)).toBe('Hi there at Maple Holdings LLC');
  });

  it('title-cases text stored in upper case and leaves mixed case as written', () => {
    expect(render('{{property.address}}')).toBe('123 N Main St Apt 4B, Saint Louis, MO 63101');
    expect(render('{{property.subdivision}} / {{person.last_name}}')).toBe("Oak Ridge 5th Addn / O'Brien");
    expect(render('{{person.last_name}}', { person: { last_name: 'McDONALD-ward' } })).toBe('McDONALD-ward');
    expect(titleCase('PO BOX 12 NW 3RD ST')).toBe('PO Box 12 NW 3rd St');
    expect(titleCase('MCDONALD III')).toBe('McDonald III');
  });

  it('needs line 1 for an address, and joins what else there is', () => {
    expect(render('{{property.address | "your home"}}', { property: { city: 'Springfield', state: 'IL' } })).toBe('your home');
    expect(render('{{property.address}}', { property: { address_line1: '9 Elm St', zip: '62704' } })).toBe('9 Elm St, 62704');
  });

  it.each([
    [32_500_000, '$325,000'], ['32500049', '$325,000'], [32_500_050, '$325,001'], [99n, '$1'], [0, '$0'], [123_456_789_012_345n, '$1,234,567,890,123'],
  ])('money: %s cents → %s', (cents, text) => {
    expect(render('{{property.estimated_value}}', { property: { estimated_value_cents: cents } })).toBe(text);
  });

  it('treats an unreadable amount as missing', () => {
    expect(render('{{property.estimated_value | "a fair price"}}', { property: { estimated_value_cents: 'n/a' } })).toBe('a fair price');
  });

  it('writes years and counts without separators', () => {
    expect(render('{{property.year_built}}, {{property.roof_age_years}} years')).toBe('1987, 18 years');
  });

  it("formats dates in the recipient's zone", () => {
    expect(render('{{lead.last_contacted_at}}')).toBe('March 3, 2026'); // 03:00Z is the evening before in Los Angeles
    expect(render('{{lead.last_contacted_at}}', { ...ctx, timeZone: 'America/New_York' })).toBe('March 3, 2026');
    expect(render('{{lead.last_contacted_at}}', { ...ctx, timeZone: 'Europe/Berlin' })).toBe('March 4, 2026');
    expect(render('{{lead.last_contacted_at}}', { ...ctx, person: { timezone: 'Not/AZone' } })).toBe('March 4, 2026');
    expect(render('{{lead.next_follow_up_at}}', { lead: { next_follow_up_at: '2026-12-01' }, timeZone: 'Pacific/Honolulu' })).toBe('December 1, 2026');
    expect(render('{{lead.next_follow_up_at | "soon"}}', { lead: { next_follow_up_at: 'not a date' } })).toBe('soon');
  });

  it("formats the sender's phone and first name", () => {
    expect(render('{{user.first_name}} {{user.phone}}')).toBe('Sarah (305) 555-0101');
    expect(render('{{user.phone}}', { user: { phone: '+442079460000' } })).toBe('+44 20 7946 0000');
  });

  it('escapes values and fallbacks in HTML, never the markup', () => {
    const c: MergeContext = { org: { name: 'Smith & Sons <LLC>' }, person: { first_name: null } };
    expect(renderTemplate('<b>{{org.name}}</b> {{person.first_name | "\\"friend\\" & co"}}', c, { html: true }))
      .toBe('<b>Smith &#38; Sons &#60;LLC&#62;</b> &#34;friend&#34; &#38; co');
    expect(renderTemplate('{{org.name}}', c)).toBe('Smith & Sons <LLC>');
  });

  it('renders a whole message, with HTML escaped', () => {
    const m = renderMessage({ channel: 'email', subject: '{{property.address_line1}}', body: 'Hi {{person.first_name}}', html: '<p>{{org.name}}</p>' },
      { ...ctx, org: { name: 'A&B' } });
    expect(m).toEqual({ subject: '123 N Main St', body: 'Hi John', html: '<p>A&#38;B</p>' });
  });
});

describe('withOptOut', () => {
  const opts = { firstTouch: true, orgName: 'Acme Roofing' };

  it('leaves later texts alone', () => {
    expect(withOptOut('Hi John', { ...opts, firstTouch: false })).toBe('Hi John');
  });

  it('names the sender and says how to stop on a first text', () => {
    expect(withOptOut('Hi John, is your roof ok?  \n', opts)).toBe('Hi John, is your roof ok?\nAcme Roofing: Reply STOP to opt out');
  });

  it('does not repeat the name the body already gives', () => {
    expect(withOptOut("Hi, it's Sarah with ACME roofing.", opts)).toBe("Hi, it's Sarah with ACME roofing.\nReply STOP to opt out");
  });

  it.each([
    'Acme Roofing: roof check? Reply STOP to opt out',
    'Acme Roofing here. Text STOP to end.',
    'Acme Roofing - reply "stop" to quit',
    'Acme Roofing. STOP to unsubscribe',
    'Acme Roofing: respond with STOP anytime',
  ])('keeps a body that already has a STOP instruction: %j', (body) => {
    expect(withOptOut(body, opts)).toBe(body);
  });

  it('puts the sender in front of a STOP instruction that does not name them', () => {
    expect(withOptOut('Free roof check? Reply STOP to opt out', opts)).toBe('Acme Roofing: Free roof check? Reply STOP to opt out');
  });

  it('does not take any "stop" for an instruction', () => {
    expect(withOptOut("We'll stop by Tuesday. Don't stop believing", opts)).toBe("We'll stop by Tuesday. Don't stop believing\nAcme Roofing: Reply STOP to opt out");
  });

  it('refuses to send a first text without a sender name', () => {
    expect(failure(() => withOptOut('Hi', { firstTouch: true, orgName: ' ' })).code).toBe('VALIDATION');
  });
});
