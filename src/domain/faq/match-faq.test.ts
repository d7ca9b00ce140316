import { describe, expect, it } from 'vitest';
import { matchFaq, rankFaq, type Candidate } from './match-faq.ts';

describe('matchFaq', () => {
  const opts = { threshold: 0.75, margin: 0.05 };
  const match = (q: number[], c: Candidate[]) => matchFaq(rankFaq(q, c), opts);
  const e = (id: string, ...v: number[]) => ({ id, embedding: v });

  it('is confident when the best is close enough and clearly ahead', () => {
    expect(match([1, 0], [e('b', 0, 1), e('a', 1, 0)])).toEqual({ entryId: 'a', score: 1, runnerUp: 0, confident: true });
  });

  it('is not confident below the threshold, or when the runner-up is about as close', () => {
    expect(match([1, 0], [e('a', 0.6, 0.8)])).toMatchObject({ entryId: 'a', confident: false });
    expect(match([1, 0], [e('a', 1, 0), e('b', 0.999, 0.04)])).toMatchObject({ entryId: 'a', confident: false });
  });

  it('has nothing to say without candidates', () => {
    expect(match([1, 0], [])).toEqual({ entryId: null, score: null, runnerUp: null, confident: false });
  });
});
