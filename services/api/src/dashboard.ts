import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from '@livegrade/runtime';

interface Asset {
  path: string;
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
  headers?: Record<string, string>;
}

/**
 * The dashboard's own files change with livegrade, under unversioned names:
 * browsers revalidate them on every load (a 304 while unchanged). uPlot is
 * pinned in package.json, so a day of caching is safe.
 */
const REVALIDATE = 'no-cache';
const VENDOR = 'public, max-age=86400';

/**
 * The page loads only its own files and calls only its own API; inline styles
 * stay allowed for the bar widths it sets. A second line of defence behind
 * escaping every API string in app.js.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

function asset(
  path: string,
  file: string,
  type: string,
  cacheControl: string,
  headers?: Record<string, string>,
): Asset {
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (err) {
    throw new Error(`dashboard: cannot read ${file} for ${path}: ${(err as Error).message}`);
  }
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { path, body, type, etag, cacheControl, ...(headers ? { headers } : {}) };
}

function dashboardAssets(): Asset[] {
  const own = (name: string) => fileURLToPath(new URL(`../dashboard/${name}`, import.meta.url));
  const require = createRequire(import.meta.url);
  const uplot = (name: string) => require.resolve(`uplot/dist/${name}`);
  return [
    asset('/', own('index.html'), 'text/html; charset=utf-8', REVALIDATE, {
      'content-security-policy': PAGE_POLICY,
    }),
    asset('/dashboard/app.js', own('app.js'), 'text/javascript; charset=utf-8', REVALIDATE),
    asset('/dashboard/style.css', own('style.css'), 'text/css; charset=utf-8', REVALIDATE),
    asset('/dashboard/uPlot.iife.min.js', uplot('uPlot.iife.min.js'), 'text/javascript; charset=utf-8', VENDOR),
    asset('/dashboard/uPlot.min.css', uplot('uPlot.min.css'), 'text/css; charset=utf-8', VENDOR),
  ];
}

/**
 * The dashboard at `/`: static files read once at start, outside /v1 so
 * they load without the API token (the page asks for it when /v1 answers 401).
 */
export function registerDashboard(app: FastifyInstance) {
  for (const a of dashboardAssets()) {
    app.get(a.path, async (request, reply) => {
      reply.header('cache-control', a.cacheControl).header('etag', a.etag);
      if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
      return reply
        .type(a.type)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .headers(a.headers ?? {})
        .send(a.body);
    });
  }
}
