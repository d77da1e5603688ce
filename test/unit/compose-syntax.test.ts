import { describe, expect, it } from 'vitest';
import { v2OnlySyntax } from '../../src/services/compose-syntax.js';
import { activeServices } from '../../src/services/release.js';

describe('v2OnlySyntax (Compose v1 failures)', () => {
  const wrongVersion = "The Compose file './compose.yaml' is invalid because:\n'name' does not match any of the regexes: '^x-'\n\nYou might be seeing this error because you're using the wrong Compose file version.";
  it('names v2-only keys it finds in the file', () => {
    expect(v2OnlySyntax({ name: 'app', include: ['a.yaml'], services: { web: { develop: {} } } }, wrongVersion)).toBe(
      'this compose file needs Compose v2 (it uses top-level name:, top-level include:, services.web.develop): install the docker compose plugin, or set composeCommand',
    );
  });
  it("falls back to v1's own words", () => {
    expect(v2OnlySyntax(null, wrongVersion)).toMatch(/needs Compose v2 \(it uses top-level name:\)/);
    expect(v2OnlySyntax({ services: {} }, "Unsupported config option for services.web: 'attach'")).toMatch(/it uses services\.web\.attach/);
  });
  it('leaves other errors alone', () => {
    expect(v2OnlySyntax({ version: '3', services: { web: { image: 'x' } }, 'x-a': 1 }, 'yaml.scanner.ScannerError: mapping values are not allowed here')).toBeNull();
  });
});

describe('activeServices', () => {
  const config = { services: { web: {}, debug: { profiles: ['debug'] }, tools: { profiles: ['tools', 'ops'] }, none: { profiles: [] } } };
  it('leaves out services whose profiles are not enabled (Compose v1 lists them)', () => {
    expect(activeServices(config, undefined)).toEqual(['web', 'none']);
    expect(activeServices(config, 'ops, x')).toEqual(['web', 'tools', 'none']);
  });
});
