import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';

// docs/BENCHMARKS.md holds one section per benchmark and engine, replaced on each run.
const FILE = new URL('../docs/BENCHMARKS.md', import.meta.url);
const HEADER = `# Benchmarks

Figures written by the scripts under \`bench/\` (\`npm run bench:<name>\`); each section is replaced
when its script runs again. Ratios compare against a baseline measured in the same run.
`;

export function recordBenchmark(id: string, title: string, body: string) {
  const text = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : HEADER;
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const section = `<!-- bench:${id} -->\n## ${title}\n\n${new Date().toISOString().slice(0, 10)}, ${machine}\n\n${body}\n<!-- /bench:${id} -->\n`;
  const re = new RegExp(`<!-- bench:${id} -->[\\s\\S]*?<!-- /bench:${id} -->\\n`);
  fs.writeFileSync(FILE, re.test(text) ? text.replace(re, section) : `${text}\n${section}`);
}

/** A new, empty database on the server for one benchmark (dropped first if a run left it); its URL. */
export async function freshServerDatabase(name: string): Promise<string> {
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
