import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installApp, packSdk } from '../test/support/sdk-app.ts';

/** The OpenTelemetry pieces the SDK builds on, installed alone as the baseline (the versions the workspace pins). */
export const OTEL_ALONE = ['@opentelemetry/sdk-trace@3.1.1', '@opentelemetry/exporter-trace-otlp-proto@0.301.1'];
/** The SDK's peer: an app installing it brings its own API. */
export const OTEL_API = '@opentelemetry/api@1.10.0';

export interface SizedPackage {
  name: string;
  version: string;
  /** Sum of its files' sizes, without its nested node_modules (those are packages of their own). */
  bytes: number;
}

export interface Closure {
  /** What was installed into a fresh directory. */
  specs: string[];
  /** Sum of the sizes of every file under node_modules. */
  bytes: number;
  /** What those files and directories take on this disk, in blocks (as `du` counts it). */
  allocated: number;
  packages: number;
  byPackage: SizedPackage[];
  installMs: number;
}

export interface SdkSizeFigures {
  tarball: { size: number; unpackedSize: number; files: number };
  sdk: Closure;
  otel: Closure;
  /** Packages (by name@version) of the SDK's closure that the OTel-alone closure does not have, largest first. */
  extra: SizedPackage[];
  extraBytes: number;
}

/**
 * Sum of the sizes of the regular files under `dir`, and the blocks they and
 * the directories take; symlinks (.bin) are not followed nor counted.
 */
function usageUnder(dir: string, skipNodeModules: boolean): { bytes: number; allocated: number } {
  const u = { bytes: 0, allocated: lstatSync(dir).blocks * 512 };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (skipNodeModules && e.name === 'node_modules') continue;
      const sub = usageUnder(p, skipNodeModules);
      u.bytes += sub.bytes;
      u.allocated += sub.allocated;
    } else if (e.isFile()) {
      const st = lstatSync(p);
      u.bytes += st.size;
      u.allocated += st.blocks * 512;
    }
  }
  return u;
}

/** Every package installed under `nodeModules`, nested node_modules included. */
function packagesUnder(nodeModules: string, out: SizedPackage[] = []): SizedPackage[] {
  const visit = (dir: string) => {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) return;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    out.push({ name: name ?? dir, version: version ?? '?', bytes: usageUnder(dir, true).bytes });
    const nested = join(dir, 'node_modules');
    if (existsSync(nested)) packagesUnder(nested, out);
  };
  for (const e of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = join(nodeModules, e.name);
    if (e.name.startsWith('@')) {
      for (const s of readdirSync(p, { withFileTypes: true })) if (s.isDirectory()) visit(join(p, s.name));
    } else visit(p);
  }
  return out;
}

/** Installs `specs` into a fresh directory under os.tmpdir() and measures its node_modules. */
async function installAlone(label: string, specs: string[], dirs: string[]): Promise<Closure> {
  const dir = mkdtempSync(join(tmpdir(), `livegrade-size-${label}-`));
  dirs.push(dir);
  const t = performance.now();
  await installApp(dir, specs, ['--ignore-scripts']);
  const installMs = performance.now() - t;
  const nodeModules = join(dir, 'node_modules');
  const byPackage = packagesUnder(nodeModules).sort((a, b) => b.bytes - a.bytes);
  const { bytes, allocated } = usageUnder(nodeModules, false);
  return { specs, bytes, allocated, packages: byPackage.length, byPackage, installMs };
}

/**
 * The SDK's installed size with its closure, as a user gets it: packages/sdk
 * `npm pack`ed (its prepack builds it, so the figure is of the current sources),
 * the tarball installed with the API it peers on into a fresh directory; next
 * to the OpenTelemetry pieces it builds on (sdk-trace + the OTLP proto
 * exporter, with the API) installed alone in another. The temp directories
 * are removed, whatever happens.
 */
export async function benchSdkSize(): Promise<SdkSizeFigures> {
  const dirs: string[] = [];
  try {
    const packDir = mkdtempSync(join(tmpdir(), 'livegrade-size-pack-'));
    dirs.push(packDir);
    const packed = await packSdk(packDir);
    // one after the other: the figures do not depend on it, and the npm cache is shared
    const sdk = await installAlone('sdk', [packed.tarball, OTEL_API], dirs);
    const otel = await installAlone('otel', [...OTEL_ALONE, OTEL_API], dirs);
    const inOtel = new Set(otel.byPackage.map((x) => `${x.name}@${x.version}`));
    const extra = sdk.byPackage.filter((x) => !inOtel.has(`${x.name}@${x.version}`));
    return {
      tarball: { size: packed.size, unpackedSize: packed.unpackedSize, files: packed.files.length },
      sdk,
      otel,
      extra,
      extraBytes: extra.reduce((a, x) => a + x.bytes, 0),
    };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
