// Restores the lock file entries of other platforms' native binaries.
//
// The npm mirror on our build machines serves some packages' native binaries
// only for linux-x64 (yuku's, which tsdown's declaration bundler uses; chdb's;
// msgpackr's). npm then leaves the other platforms' optional dependencies out
// of package-lock.json, and `npm ci` refuses that lock ("Missing:
// @yuku-toolchain/darwin-arm64@ from lock file"), so CI goes red. Run this
// after every `npm install` that rewrites the lock:
//
//   node scripts/lock-platform-entries.mjs
//
// The entries it adds name the version, os and cpu, as npm writes them; on the
// matching platform npm fetches the binary by that version.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const lockPath = fileURLToPath(new URL('../package-lock.json', import.meta.url));
const PLATFORM = /[-/](darwin|linux|win32|freebsd|android|openharmony)-(x64|arm64|arm|ia32|ppc64|s390x)(?:-|$)/;

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
const added = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = PLATFORM.exec(name);
    if (!match) continue;
    const nested = `${path}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [match[1]],
      cpu: [match[2]],
    };
    added.push(`${name}@${version}`);
  }
}
if (added.length === 0) {
  console.log('package-lock.json already lists every platform binary');
} else {
  // npm keeps the root entry first and the rest in path order
  const [root, ...rest] = Object.entries(packages);
  rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  lock.packages = Object.fromEntries([root, ...rest]);
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${added.length} platform entries to package-lock.json:\n  ${added.join('\n  ')}`);
}
