// Completes package-lock.json with the platform-specific optional packages (biome's and rollup's
// native builds for other systems) that `npm install` leaves out when the registry it talks to
// does not carry them. Without these entries `npm ci` refuses the lock file as out of sync. The
// added entries name only version, os, cpu and libc, so npm skips them on every other platform
// and never downloads them. Run after `npm install` changes the lock: `npm run lock:platforms`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32'];
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'];

/** `cli-linux-x64-musl` → { os: linux, cpu: x64, libc: musl }, from the package name alone. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os || !cpu) return undefined;
  const abi = parts.slice(parts.indexOf(cpu) + 1).join('-');
  const libc = os !== 'linux' ? undefined : abi.includes('musl') ? 'musl' : 'glibc';
  return { os, cpu, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[key] = {
      version: range.replace(/^[\^~=]/, ''),
      cpu: [platform.cpu],
      ...(entry.dev && { dev: true }),
      ...(platform.libc && { libc: [platform.libc] }),
      optional: true,
      os: [platform.os],
    };
    added += 1;
  }
}

lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock:platforms: added ${added} platform package entr${added === 1 ? 'y' : 'ies'}`);
