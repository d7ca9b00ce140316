import type { Command } from 'commander';
import { demoKeyStore } from '../../app/secrets.ts';
import type { Container } from '../../app/container.ts';
import { command } from '../run.ts';

export async function loadDemo(c: Container) {
  const demo = await c.demo.ensureDemo(demoKeyStore(c.config));
  const text = [
    `demo organization: ${demo.organization.slug} (${demo.organization.id})${demo.leads_added ? `, ${demo.leads_added} leads loaded` : ''}`,
    `API key (owner): ${demo.api_key}`,
  ].join('\n');
  return { demo, text };
}

export function registerDemo(program: Command) {
  program.command('demo')
    .description('load the demo organization and its data (again is a no-op) and print an API key')
    .option('--json', 'machine-readable output')
    .action(command('demo', async ({ c }) => {
      const { demo, text } = await loadDemo(c);
      return { json: { slug: demo.organization.slug, organization_id: demo.organization.id, api_key: demo.api_key, created: demo.created, leads_added: demo.leads_added, users: demo.users }, text };
    }, { generateSecret: true, migrate: true }));
}
