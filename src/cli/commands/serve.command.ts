import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import { buildServer } from '../../api/server.ts';
import { DEFAULT_WEB_DIR, webAppBuilt } from '../../api/web.ts';
import { command } from '../run.ts';
import { loadDemo } from './demo.command.ts';
import { createJobs } from '../../jobs/jobs.ts';
import { createWorker } from '../../jobs/worker.ts';

export function registerServe(program: Command) {
  program.command('serve')
    .description('serve the API (and, with --demo, load the demo organization first)')
    .option('--demo', 'load the demo organization and print its API key')
    .option('--port <port>', 'port (default: PORT or 3000)')
    .option('--host <host>', 'interface (default: HOST or localhost)')
    .option('--json', 'print the start-up facts as JSON')
    .action(command('serve', async ({ c, io }, o: { demo?: boolean; port?: string; host?: string; json?: boolean }) => {
      const port = o.port === undefined ? c.config.port : Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppError('VALIDATION', '--port: a number from 0 to 65535', [{ field: 'port', message: 'invalid' }]);
      const demo = o.demo ? await loadDemo(c) : undefined;
      // the job handlers run in this process unless PORCHLIGHT_WORKER=off (then `porchlight worker` runs them)
      const jobs = c.config.worker ? await createWorker(c).start() : await createJobs(c.db);
      const app = await buildServer(c, { logger: { level: c.config.logLevel }, jobs });
      await app.listen({ port, host: o.host ?? c.config.host }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') throw new AppError('CONFLICT', `port ${port} is in use: stop what holds it, or choose another with --port or PORT`);
        throw e;
      });
      const addr = app.server.address();
      const url = `http://localhost:${typeof addr === 'object' && addr ? addr.port : port}`;
      const stop = async () => {
        await app.close();
        await jobs.stop();
        await c.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const db = c.db.engine === 'postgres' ? `PostgreSQL at ${c.db.location}` : `embedded PGlite in ${c.db.location}`;
      const web = webAppBuilt(DEFAULT_WEB_DIR);
      // the key rides in the fragment, which a browser never sends to a server or writes to its logs
      const signIn = demo && web ? `${url}/#key=${demo.demo.api_key}` : null;
      if (o.json) return { json: { url, engine: c.db.engine, web_app: web, demo: demo ? { slug: demo.demo.organization.slug, api_key: demo.demo.api_key, sign_in_url: signIn } : null }, text: '' };
      io.out([`Porchlight is running at ${url}  (API docs: ${url}/docs)`, `database: ${db}`,
        web ? '' : 'web app: not built, run `npm run build:web` (npm start does) and reload', demo?.text ?? '',
        signIn ? `open the web app signed in as the demo owner: ${signIn}` : '',
        demo ? `try: curl -H "Authorization: Bearer ${demo.demo.api_key}" ${url}/v1/leads` : ''].filter(Boolean).join('\n'));
    }, { share: true, keepOpen: true, generateSecret: true, migrate: true }));
}
