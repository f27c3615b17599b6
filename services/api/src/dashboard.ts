import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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
 * escaping every API string (dashboard/html.js).
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

const JS = 'text/javascript; charset=utf-8';

/**
 * The number format the dashboard shares with the Slack messages and the CLI: @livegrade/core's
 * format/number.js, plain JavaScript with no imports, served as it is at /dashboard/format.js. It is
 * the file next to the core entry Node resolved (src/ on the sources, dist/ once built, where tsc
 * copies it), so the browser runs the same code as the alerter.
 */
function sharedFormatFile(): string {
  return fileURLToPath(new URL('format/number.js', import.meta.resolve('@livegrade/core')));
}

function dashboardAssets(): Asset[] {
  const dir = fileURLToPath(new URL('../dashboard/', import.meta.url));
  const own = (name: string) => `${dir}${name}`;
  const require = createRequire(import.meta.url);
  const uplot = (name: string) => require.resolve(`uplot/dist/${name}`);
  // the page's ES modules: every .js file of the folder (app.js imports the others; the browser
  // loads them natively, no bundle), and format.js from core
  const modules = readdirSync(dir).filter((name) => name.endsWith('.js'));
  if (modules.includes('format.js'))
    throw new Error('dashboard: format.js is served from @livegrade/core, not the folder');
  return [
    asset('/', own('index.html'), 'text/html; charset=utf-8', REVALIDATE, {
      'content-security-policy': PAGE_POLICY,
    }),
    ...modules.map((name) => asset(`/dashboard/${name}`, own(name), JS, REVALIDATE)),
    asset('/dashboard/format.js', sharedFormatFile(), JS, REVALIDATE),
    asset('/dashboard/style.css', own('style.css'), 'text/css; charset=utf-8', REVALIDATE),
    asset('/dashboard/uPlot.iife.min.js', uplot('uPlot.iife.min.js'), JS, VENDOR),
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
