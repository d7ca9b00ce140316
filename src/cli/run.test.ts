import { describe, expect, it } from 'vitest';
import { describeReport } from './commands/enrich.command.ts';
import { bars } from './run.ts';

describe('bars', () => {
  it('scales each bar to the maximum, in eighths of a character, with its value and note', () => {
    const out = bars([{ label: 'all', value: 1000 }, { label: 'half', value: 500, note: 'called' }, { label: 'bit', value: 10 }, { label: 'none', value: 0 }], 1000, 8);
    expect(out.split('\n')).toEqual([
      'all   ████████  1,000',
      'half  ████        500  called',
      'bit   ▏            10',
      'none                0',
    ]);
  });

  it('draws nothing when there is nothing to scale to', () => {
    expect(bars([{ label: 'a', value: 0 }], 0, 4)).toBe('a        0');
  });
});

describe('the enrichment report', () => {
  it('shows the funnel: leads selected, what each stage paid for, and who became contactable', () => {
    const stage = (name: string, called: number, cost: number, became = 0) => ({
      stage: name, leads: 200, called, matched: called, phones_found: 0, emails_found: 0, cost_cents: cost, failed: 0, deferred: 0, pending: 0, skipped: {}, became_contactable: became,
    });
    const text = describeReport({
      run: { id: 'r1', status: 'completed', leads_selected: 200, resume_at: null, error: null },
      stages: [stage('append', 200, 1000), stage('skip_trace', 100, 1500), stage('verify', 50, 50), stage('score', 200, 0, 40)] as never,
    });
    expect(text).toContain('selected     ' + '█'.repeat(30) + '  200');
    expect(text).toContain('skip_trace   ' + '█'.repeat(15) + ' '.repeat(15) + '  100  called, $15.00');
    expect(text).toContain('contactable  ' + '█'.repeat(6) + ' '.repeat(24) + '   40  became contactable');
    expect(text).toContain('spent $25.50; 40 lead(s) became contactable');
  });
});
