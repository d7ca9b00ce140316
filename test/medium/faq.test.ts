import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createFaqService } from '../../src/domain/faq/faq.service.ts';
import { createLocalEmbeddings } from '../../src/providers/embeddings/local.ts';
import type { EmbeddingsPort } from '../../src/providers/embeddings/ports.ts';
import { ProviderError } from '../../src/providers/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// FAQ entries per user: who may keep whose, vectors kept in the space they were made in (and made
// again when the adapter changes), and an embeddings outage sending the question to a person.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const rows = async <T = Record<string, unknown>>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);

describe('FAQ entries', () => {
  it("are each user's own: an agent keeps theirs, a manager anyone's", async () => {
    const { org } = await ctx.newOrganization();
    const agent = await ctx.newUser(org.id, 'agent');
    const other = await ctx.newUser(org.id, 'agent');
    const manager = await ctx.newUser(org.id, 'manager');
    const mine = await ctx.c.faq.add(agent.actor, { question: 'Are you insured?', answer: 'Fully insured and licensed.' });
    expect(mine).toMatchObject({ user_id: agent.user.id, use_count: 0, active: true });
    await expect(ctx.c.faq.add(agent.actor, { user_id: other.user.id, question: 'q?', answer: 'a' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ctx.c.faq.remove(other.actor, mine.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await ctx.c.faq.add(manager.actor, { user_email: other.user.email, question: 'Do you offer financing?', answer: 'Yes, 0% for 12 months.' });
    expect((await ctx.c.faq.list(manager.actor, { user_email: other.user.email })).map((e) => e.question)).toEqual(['Do you offer financing?']);
    expect(await ctx.c.faq.remove(manager.actor, mine.id)).toEqual({ id: mine.id, removed: true });
    await expect(ctx.c.faq.add(agent.actor, { question: ' ', answer: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.faq.add(agent.actor, { question: 'q', answer: 'x'.repeat(1601) })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('are embedded again when the adapter changes, before they are compared', async () => {
    const { actor } = await ctx.newOrganization();
    await ctx.c.faq.add(actor, { question: 'Do you offer free estimates?', answer: 'Always free.' });
    const wider = createFaqService({ db: ctx.c.db, embeddings: createLocalEmbeddings({ dim: 512 }) });
    expect(await wider.test(actor, { text: 'are estimates free' })).toMatchObject({ confident: true, answer: 'Always free.', space: 'local:hash-v1:512' });
    expect(await rows(actor, sql`SELECT embedding_model, cardinality(embedding) AS dim FROM faq_entry`)).toEqual([{ embedding_model: 'local:hash-v1:512', dim: 512 }]);
  });

  it('send a question to a person when the embeddings adapter is down', async () => {
    const { actor } = await ctx.newOrganization();
    const down: EmbeddingsPort = { name: 'down', space: 'down:1', embed: async () => { throw new ProviderError('down', 'server', 'HTTP 503'); } };
    const faq = createFaqService({ db: ctx.c.db, embeddings: down });
    expect(await faq.prepare(actor, 'are estimates free?')).toBeNull();
    await faq.updateSettings(actor, { enabled: false });
    expect(await ctx.c.faq.prepare(actor, 'are estimates free?')).toBeNull();
  });
});
