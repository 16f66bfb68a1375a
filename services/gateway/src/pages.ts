import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** The pages' build (web/, `pnpm run build`): the shopper page at `/`, the console at `/console/`. */
const PAGES_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

// Vite names every asset by its content hash: a new build gets new names, so a crowd's browsers may keep them for good.
const ASSET = `${sep}assets${sep}`;
const IMMUTABLE = 'public, max-age=31536000, immutable';
// The HTML names the current assets: revalidated on each load (a 304 when unchanged).
const REVALIDATE = 'no-cache';

/**
 * Serves the built pages. Routes are made for the files found at start (no wildcard), so any other
 * path still gets the JSON 404/1003 envelope; the pages go through no rate limit, which counts API
 * calls only.
 */
const pages: FastifyPluginAsync = async (app) => {
  if (!existsSync(`${PAGES_DIR}index.html`)) {
    app.log.warn({ dir: PAGES_DIR }, 'pages not built (pnpm run build): / and /console/ answer 404');
    return;
  }
  await app.register(fastifyStatic, {
    root: PAGES_DIR,
    wildcard: false,
    cacheControl: false,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => reply.header('cache-control', path.includes(ASSET) ? IMMUTABLE : REVALIDATE),
  });
  // The plugin's own redirect option would also make an empty route of `/`'s index.
  app.get('/console', (_req, reply) => reply.redirect('/console/', 301));
};

export default pages;
