import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Integration tests need the real engine, the local test image and the compose version this
 * project runs under (scripts/setup.sh provides all three). Fail loudly instead of silently
 * skipping: a skipped suite proves nothing.
 */
export default function setup({ config }: { config: { env?: Record<string, string> } }): void {
  if (!fs.existsSync('dist/otterstack.mjs')) throw new Error('dist/otterstack.mjs missing: run npm run build (npm test does it)');
  try {
    execFileSync('docker', ['image', 'inspect', 'otterstack/busybox:local'], { stdio: 'ignore' });
  } catch {
    throw new Error('docker engine or test image missing: run bash scripts/setup.sh first');
  }
  const compose = config.env?.OTTERSTACK_COMPOSE_COMMAND;
  if (compose) {
    const [cmd, ...args] = compose.split(' ');
    const want = config.env?.OTTERSTACK_TEST_COMPOSE_VERSION === 'v2' ? /^v?2\./ : /^1\./;
    let version = '';
    try {
      version = execFileSync(cmd!, [...args, 'version', '--short'], { encoding: 'utf8' }).trim();
    } catch {
      /* reported below */
    }
    if (!want.test(version)) throw new Error(`'${compose}' answers '${version || 'nothing'}', not the compose version this project tests: run bash scripts/setup.sh first`);
  }
}
