import { describe, expect, it } from 'vitest';
import { decidePull, pullFailure, registryOf, releaseImages, validatePullPolicy } from '../../src/services/image-pull.js';

const remote = { repoDigests: ['registry.example.com/app@sha256:abc'] };
const localOnly = { repoDigests: [] };

describe('the pull stage decides per image (#17)', () => {
  it('always pulls a registry image, present or not; missing pulls only what is absent; never pulls nothing', () => {
    expect(decidePull('registry.example.com/app:latest', false, remote, 'always')).toEqual({ pull: true });
    expect(decidePull('registry.example.com/app:latest', false, null, 'always')).toEqual({ pull: true });
    expect(decidePull('registry.example.com/app:latest', false, remote, 'missing')).toEqual({ pull: false, why: 'present (pullPolicy missing)' });
    expect(decidePull('registry.example.com/app:latest', false, null, 'missing')).toEqual({ pull: true });
    expect(decidePull('registry.example.com/app:latest', false, remote, 'never')).toEqual({ pull: false, why: 'pullPolicy never' });
  });

  it('--pull and --no-pull override the policy', () => {
    expect(decidePull('r.example/app', false, remote, 'never', true)).toEqual({ pull: true });
    expect(decidePull('r.example/app', false, null, 'always', false)).toEqual({ pull: false, why: '--no-pull' });
  });

  it('never an image the release builds, nor one that exists only here (docker import/build: no registry digest), even with --pull', () => {
    expect(decidePull('app', true, null, 'always', true)).toEqual({ pull: false, why: 'built by the release' });
    expect(decidePull('otterstack/busybox:local', false, localOnly, 'always', true)).toEqual({ pull: false, why: 'exists only on this host (no registry digest)' });
  });

  it('reads images from the resolved config; names registries; says how to log in when refused', () => {
    const config = { services: { web: { image: 'r.example:5000/web:1' }, api: { build: { context: '.' }, image: 'api:dev' }, job: { build: '.' } } };
    expect(releaseImages(config, ['web', 'api', 'job'])).toEqual([
      { service: 'web', image: 'r.example:5000/web:1', builds: false },
      { service: 'api', image: 'api:dev', builds: true },
    ]);
    expect(registryOf('r.example:5000/web:1')).toBe('r.example:5000');
    expect(registryOf('localhost/web')).toBe('localhost');
    expect(registryOf('library/redis:7')).toBe('docker.io');
    expect(registryOf('redis')).toBe('docker.io');
    expect(pullFailure('r.example/web', 'Error response from daemon: unauthorized: authentication required\n')).toBe(
      'pulling r.example/web was refused by r.example (Error response from daemon: unauthorized: authentication required): log in with: otterstack registry login r.example --username USER --password-stdin',
    );
    expect(pullFailure('r.example/web', 'Error response from daemon: Get "https://r.example/v2/": dial tcp: connection refused')).toMatch(/^pulling r\.example\/web from r\.example failed: Error response/);
    expect(validatePullPolicy('missing')).toBe('missing');
    expect(() => validatePullPolicy('sometimes')).toThrow(/invalid pull policy "sometimes": use always, missing or never/);
  });
});
