import { describe, expect, it } from 'vitest';
import { resolvePeriod } from './period.ts';

const today = new Date('2026-11-20T23:30:00Z');
const fieldOf = (input: unknown) => {
  try {
    resolvePeriod(input, today);
  } catch (e) {
    return (e as { code: string; details: { field: string }[] }).details.map((d) => `${(e as { code: string }).code} ${d.field}`);
  }
  return null;
};

describe('report periods', () => {
  it('default to the month to date, as half-open UTC instants with the months touched', () => {
    expect(resolvePeriod({}, today)).toEqual({
      from: '2026-11-01', to: '2026-11-20', start: '2026-11-01T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z', months: ['2026-11-01'],
    });
    expect(resolvePeriod({ to: '2026-03-31' }, today)).toMatchObject({ from: '2026-03-01', end: '2026-04-01T00:00:00.000Z' });
    expect(resolvePeriod({ from: '2025-12-31', to: '2026-02-01' }, today).months).toEqual(['2025-12-01', '2026-01-01', '2026-02-01']);
    expect(resolvePeriod({ from: '2024-02-29', to: '2026-02-28' }, today).months).toHaveLength(25);
  });

  it('refuses bad dates, a reversed period and one of two years or more, naming the field', () => {
    expect(fieldOf({ from: '2026-02-29' })).toEqual(['VALIDATION from']);
    expect(fieldOf({ to: '20261101' })).toEqual(['VALIDATION to']);
    expect(fieldOf({ from: '2026-11-21' })).toEqual(['VALIDATION from']); // after today, the default end
    expect(fieldOf({ from: '2026-11-21', to: '2026-11-20' })).toEqual(['VALIDATION to']);
    expect(fieldOf({ from: '2024-11-20', to: '2026-11-20' })).toEqual(['VALIDATION to']);
    expect(fieldOf({ from: '2024-11-21', to: '2026-11-20' })).toBeNull();
    expect(fieldOf({ since: '2026-01-01' })).toEqual(['VALIDATION (input)']);
  });
});
