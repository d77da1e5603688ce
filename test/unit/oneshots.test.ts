import { describe, expect, it } from 'vitest';
import { oneshotServices } from '../../src/services/oneshots.js';
import { buildOverride } from '../../src/services/override.js';

describe('one-shot services', () => {
  const config = {
    services: {
      migrate: {},
      seed: {},
      web: { depends_on: { migrate: { condition: 'service_completed_successfully' }, db: { condition: 'service_healthy' } } },
      db: {},
      legacy: { depends_on: ['db'] },
    },
  };
  it('are depends_on targets with service_completed_successfully, plus x-otterstack.oneshot', () => {
    expect(oneshotServices(config, undefined)).toEqual({ services: ['migrate'], errors: [] });
    expect(oneshotServices(config, { oneshot: ['seed'] })).toEqual({ services: ['migrate', 'seed'], errors: [] });
  });
  it('refuses a oneshot list that is not names of this file’s services', () => {
    expect(oneshotServices(config, { oneshot: ['nope'] }).errors).toEqual(['x-otterstack.oneshot names "nope", which is not a service of this file (services: migrate, seed, web, db, legacy)']);
    expect(oneshotServices(config, { oneshot: 'seed' }).errors).toEqual(['x-otterstack.oneshot must be a list of service names']);
  });
  it('are labelled in the override, so a kept release is judged the same on rollback', () => {
    const r = buildOverride({ config, project: 'p', composeProject: 'otterstack-p-abc1234', worktree: '/w', persistentPaths: [], sharedDir: '/s', instanceId: 'i', oneshots: ['migrate'] });
    const services = r.override.services as Record<string, { labels: Record<string, string> }>;
    expect(services.migrate!.labels).toEqual({ 'io.otterstack.instance': 'i', 'io.otterstack.oneshot': 'true' });
    expect(services.web!.labels).toEqual({ 'io.otterstack.instance': 'i' });
  });
});
