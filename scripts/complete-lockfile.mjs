#!/usr/bin/env node
// Makes package-lock.json acceptable to `npm ci` when the registry this machine reaches does not
// carry every platform build of an optional native dependency (here: rollup's android/darwin/win32/
// musl builds and fsevents). `npm install` then leaves those entries out of the lock, and `npm ci`
// refuses the lock as "out of sync". We add each missing optional entry with its os/cpu/libc, so
// `npm ci` validates the lock and skips them on this platform exactly as it would with the full
// registry (it never downloads a package whose os/cpu does not match).
//
// Usage, after changing dependencies: npm install --package-lock-only && node scripts/complete-lockfile.mjs
import fs from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'sunos', 'aix', 'netbsd'];
const CPU = { 'arm-eabi': 'arm', arm64: 'arm64', 'arm-gnueabihf': 'arm', 'arm-musleabihf': 'arm', arm: 'arm', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };

/** os/cpu/libc of a platform package from its name, e.g. @rollup/rollup-linux-x64-musl. */
function platformOf(name) {
  if (name === 'fsevents') return { os: ['darwin'] };
  const parts = name.split('/').pop().split('-');
  const osIndex = parts.findIndex((p) => OS.includes(p));
  if (osIndex < 0) return null;
  const rest = parts.slice(osIndex + 1);
  const cpuKey = Object.keys(CPU).find((k) => rest.join('-').startsWith(k));
  if (!cpuKey) return null;
  const meta = { os: [parts[osIndex]], cpu: [CPU[cpuKey]] };
  if (rest.includes('musl') || rest.includes('musleabihf')) meta.libc = ['musl'];
  if (rest.includes('gnu') || rest.includes('gnueabihf')) meta.libc = ['glibc'];
  return meta;
}

let added = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${where}/node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.error(`complete-lockfile: ${dep} (optional, of ${where || 'the root'}) is missing and is not a platform build: fix the install instead`);
      process.exit(1);
    }
    lock.packages[key] = { version: range.replace(/^[\^~]/, ''), ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: ${added} optional platform entr${added === 1 ? 'y' : 'ies'} added`);
