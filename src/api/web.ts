import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

// The web app: the files `npm run build:web` writes to web/dist, served at /. Its pages are
// client-side routes, so a browser asking for /nudges/123 gets index.html and the app draws the
// page; the API, its docs and the webhooks keep their own 404s.

export const DEFAULT_WEB_DIR = path.resolve(import.meta.dirname, '../../web/dist');
const SERVER_PATHS = /^\/(v1|docs|openapi\.json|health|webhooks)(\/|$|\?)/;

/** Whether a built web app is in dir. */
export const webAppBuilt = (dir: string) => fs.existsSync(path.join(dir, 'index.html'));

/** Serve the built app from dir; returns the not-found fallback that draws a page for a browser's GET. */
export async function registerWebApp(app: FastifyInstance, dir: string) {
  await app.register(fastifyStatic, { root: dir, index: 'index.html', wildcard: true, maxAge: 0 });
  return (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' || SERVER_PATHS.test(request.url)) return false;
    if (!(request.headers.accept ?? '').includes('text/html')) return false;
    void reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
