import { describe, expect, it } from 'vitest';
import { createLocalEmbeddings, stem, tokens } from './local.ts';
import { cosine } from './ports.ts';

describe('local embeddings', () => {
  const local = createLocalEmbeddings();
  const sim = async (a: string, b: string) => {
    const [x, y] = await local.embed([a, b]);
    return cosine(x!, y!);
  };

  it('keeps the words that carry meaning, stemmed, with synonyms folded', () => {
    expect(tokens('Do you offer FREE estimates?')).toEqual(['offer', 'free', 'estimat']);
    expect(['estimate', 'estimates', 'estimated', 'estimating'].map(stem)).toEqual(['estimat', 'estimat', 'estimat', 'estimat']);
    expect(tokens('How much does it cost?')).toEqual(tokens('what is the price'));
    // nothing but stop words: they are all there is to go on
    expect(tokens('Who is this?')).toEqual(['who', 'is', 'this']);
  });

  it('is deterministic, of the configured size and unit length', async () => {
    const [a] = await local.embed(['Are estimates free?']);
    const [b] = await createLocalEmbeddings().embed(['Are estimates free?']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(256);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 6);
    expect((await createLocalEmbeddings({ dim: 64 }).embed(['x']))[0]).toHaveLength(64);
    expect(createLocalEmbeddings({ dim: 64 }).space).not.toBe(local.space);
  });

  it('puts texts that share meaning-bearing words closer than unrelated ones', async () => {
    const faq = 'Do you offer free estimates?';
    const same = await sim(faq, 'are your estimates free');
    const price = await sim(faq, 'How much does a new roof cost?');
    const unrelated = await sim(faq, 'I will be out of town until Friday');
    expect(same).toBeGreaterThan(0.75);
    expect(same).toBeGreaterThan(price);
    expect(price).toBeGreaterThanOrEqual(unrelated);
    expect(unrelated).toBeLessThan(0.2);
    // a synonym counts as the word: cost and price
    expect(await sim('What is the price of a new roof?', 'how much would a new roof cost')).toBeGreaterThan(0.75);
    expect(await sim('What is the price of a new roof?', 'do you work with insurance claims')).toBeLessThan(0.2);
  });
});
