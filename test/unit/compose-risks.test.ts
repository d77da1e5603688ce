import { describe, expect, it } from 'vitest';
import { referencedFiles, riskWarnings } from '../../src/services/compose-risks.js';

describe('what a compose file reaches outside the release', () => {
  it('lists the files compose would read: env_file (all forms), extends.file, include', () => {
    const raw = {
      include: ['other.yaml', { path: ['../x.yaml'] }],
      services: {
        a: { env_file: './a.env' },
        b: { env_file: ['/etc/shadow', { path: 'b.env', required: false }] },
        c: { extends: { file: '../../base.yaml', service: 'x' } },
        d: null,
      },
    };
    expect(referencedFiles(raw)).toEqual([
      { what: 'env_file of service a', file: './a.env' },
      { what: 'env_file of service b', file: '/etc/shadow' },
      { what: 'env_file of service b', file: 'b.env' },
      { what: 'extends.file of service c', file: '../../base.yaml' },
      { what: 'include', file: 'other.yaml' },
      { what: 'include', file: '../x.yaml' },
    ]);
    expect(referencedFiles(null)).toEqual([]);
  });

  it('warns on settings that hand a container the host; binds inside the release are fine', () => {
    const config = {
      services: {
        web: {
          privileged: true,
          network_mode: 'host',
          pid: 'host',
          volumes: ['/:/host:rw', '/var/run/docker.sock:/var/run/docker.sock:rw', '/srv/media:/media', '/w/conf:/conf:ro', 'data:/data'],
        },
        api: { volumes: [{ type: 'bind', source: '/etc', target: '/etc2' }, { type: 'volume', source: 'x', target: '/x' }] },
      },
    };
    expect(riskWarnings(config, '/w')).toEqual([
      'service web runs privileged: it has full access to the host',
      "service web uses the host's network (network_mode: host)",
      "service web uses the host's process table (pid: host)",
      "service web mounts the host's root filesystem (/)",
      'service web mounts the Docker socket (/var/run/docker.sock): it controls every container on this host',
      'service web mounts host path /srv/media, outside the release',
      'service api mounts host path /etc, outside the release',
    ]);
  });
});
