import { describe, expect, it } from 'vitest';
import { localDraft } from '../../providers/llm/local.ts';
import type { DraftFacts, EventType, Tone } from '../../providers/llm/ports.ts';
import { headline, keyIntel, personalize, unsupportedClaims } from './drafts.ts';
import { goodLocalTime } from './schedule.ts';

const facts: DraftFacts = {
  eventType: 'price_change', address: '1204 Bouldin Ave', city: 'Austin', state: 'TX', zip: '78704', price: 455000, previousPrice: 480000,
  closePrice: null, beds: 3, baths: 2.5, sqft: 1850, yearBuilt: 1998, propertyType: 'single_family',
};

describe('drafts', () => {
  it('the local adapter states nothing but the facts, for every event type and tone, with facts present or missing', () => {
    const types: EventType[] = ['new_listing', 'price_change', 'back_on_market', 'pending', 'sold', 'expired'];
    const tones: Tone[] = ['warm', 'professional', 'brief'];
    const variants: DraftFacts[] = [facts, { ...facts, closePrice: 449000 }, { ...facts, beds: null, baths: null, price: null, previousPrice: null, address: null, city: null }];
    for (const eventType of types) for (const tone of tones) for (const v of variants) {
      const f = { ...v, eventType };
      const text = localDraft({ promptVersion: 'v', tone, signoff: 'Dana at Acme 2', facts: f });
      expect(text).toContain('{first_name}');
      expect(unsupportedClaims(text.replace(/\n- Dana at Acme 2$/, ''), f), `${eventType}/${tone}: ${text}`).toEqual([]);
      expect(text).not.toMatch(/undefined|null|NaN/);
    }
    expect(localDraft({ promptVersion: 'v', tone: 'warm', signoff: null, facts })).toBe(
      'Hi {first_name}! The price of the 3-bed, 2.5-bath home at 1204 Bouldin Ave, Austin just dropped from $480,000 to $455,000. It looks like a fit for what you told me you want. Want to take a look?');
  });

  it('finds the numbers a draft made up, in any way of writing them', () => {
    expect(unsupportedClaims('Now $455,000 (was $480K), 3 beds, 5.2% off, 1204 Bouldin', facts)).toEqual([]);
    expect(unsupportedClaims('Only $20,000 under market, 2 blocks from school, 4 beds', facts)).toEqual(['$20,000', '2', '4']);
    expect(unsupportedClaims('Listed at $1.2M', facts)).toEqual(['$1.2M']);
  });

  it('headlines and key intel from the facts; a name for the placeholder', () => {
    expect(headline(facts)).toBe('Price change: 1204 Bouldin Ave, Austin · 3 bd / 2.5 ba · $455,000');
    const intel = keyIntel(facts, new Date('2026-03-09T15:00:00Z'), new Date('2026-03-10T16:00:00Z'));
    expect(intel).toMatchObject({ what_changed: 'price cut from $480,000 to $455,000 (-5.2%)', why_now: expect.stringMatching(/^Price change yesterday/) });
    expect(personalize('Hi {first_name}!', 'Maria')).toBe('Hi Maria!');
    expect(personalize('Hi {first_name}!', null)).toBe('Hi there!');
  });
});

describe('a good local time', () => {
  const at = (iso: string, zone: string) => goodLocalTime(new Date(iso), zone).toISOString();
  it('ten minutes on inside a window, else the next window opening in the client\'s zone', () => {
    expect(at('2026-03-10T15:00:00Z', 'America/Chicago')).toBe('2026-03-10T15:10:00.000Z'); // Tue 10:00 CDT
    expect(at('2026-03-10T12:00:00Z', 'America/Chicago')).toBe('2026-03-10T15:00:00.000Z'); // 07:00: at 10:00
    expect(at('2026-03-10T23:30:00Z', 'America/Chicago')).toBe('2026-03-11T15:00:00.000Z'); // 18:30: tomorrow 10:00
    expect(at('2026-03-14T20:00:00Z', 'America/Chicago')).toBe('2026-03-16T15:00:00.000Z'); // Sat 15:00: Monday
    expect(at('2026-03-15T15:00:00Z', 'America/Los_Angeles')).toBe('2026-03-16T17:00:00.000Z'); // Sunday: Monday 10:00 PDT
  });
});
