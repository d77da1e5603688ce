import { defineConfig } from 'vitest/config';

/**
 * Every suite that touches the engine runs twice: once with Compose v1 (`docker-compose`, Debian 12)
 * and once with Compose v2 (`docker compose`, the CLI plugin). The setting is forced through the
 * environment, which the CLI and the TUI under test inherit, so detection order cannot decide it.
 * `OTTERSTACK_TEST_COMPOSE=v1|v2` runs one of them only (e.g. the Node 24 run in CI).
 */
const COMPOSE = { v1: 'docker-compose', v2: 'docker compose' } as const;
const only = process.env.OTTERSTACK_TEST_COMPOSE as keyof typeof COMPOSE | undefined;
const versions = (Object.keys(COMPOSE) as (keyof typeof COMPOSE)[]).filter((v) => !only || v === only);
/**
 * The two-node swarm test (a second dockerd joining the engine's swarm) runs alone, as `npm test`'s
 * second step (OTTERSTACK_TEST_SWARM_NODES=1): it must share the machine with no other engine test.
 */
const SWARM_NODES = 'test/integration/swarm-nodes.test.ts';
const nodesStep = process.env.OTTERSTACK_TEST_SWARM_NODES === '1';

export default defineConfig({
  test: {
    // Integration files each own their projects, ports and data dirs, so they run in parallel;
    // most of their time is spent waiting on the engine, not on the CPU.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      ...versions.map((v) => ({
        extends: true,
        test: {
          name: `engine-compose-${v}`,
          include: nodesStep ? [SWARM_NODES] : ['test/integration/**/*.test.ts', 'test/tui/**/*.test.ts'],
          exclude: nodesStep ? [] : [SWARM_NODES, '**/node_modules/**'],
          env: { OTTERSTACK_COMPOSE_COMMAND: COMPOSE[v], OTTERSTACK_TEST_COMPOSE_VERSION: v },
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      })),
    ],
  },
});
