import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Integration tests need the real engine and the local test image (scripts/setup.sh provides
 * both). Fail loudly instead of silently skipping: a skipped suite proves nothing.
 */
export default function setup(): void {
  if (!fs.existsSync('dist/otterstack.mjs')) throw new Error('dist/otterstack.mjs missing: run npm run build (npm test does it)');
  try {
    execFileSync('docker', ['image', 'inspect', 'otterstack/busybox:local'], { stdio: 'ignore' });
  } catch {
    throw new Error('docker engine or test image missing: run bash scripts/setup.sh first');
  }
}
