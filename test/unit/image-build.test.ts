import { describe, expect, it } from 'vitest';
import { builtImageTag, recordedImages, tagBuiltImages } from '../../src/services/image-build.js';

describe('images built per release (#17)', () => {
  it('tags each building service per release, keeping what the override already holds (build args)', () => {
    const override: Record<string, unknown> = { services: { api: { build: { args: ['TOKEN'] } } } };
    const config = { services: { api: { build: { context: '.' } }, Web_UI: { build: './ui' }, db: { image: 'postgres:16' } } };
    const built = tagBuiltImages(override, config, 'shop', 'abc1234');
    expect(built).toEqual([
      { service: 'api', tag: 'otterstack/shop-api:abc1234' },
      { service: 'Web_UI', tag: 'otterstack/shop-web_ui:abc1234' },
    ]);
    expect(override).toEqual({ services: { api: { build: { args: ['TOKEN'] }, image: 'otterstack/shop-api:abc1234' }, Web_UI: { image: 'otterstack/shop-web_ui:abc1234' } } });
    expect(builtImageTag('shop', 'api', 'abc1234-c2')).toBe('otterstack/shop-api:abc1234-c2');
  });

  it('reads the tags releases recorded; a damaged record names nothing', () => {
    expect([...recordedImages([{ built_images: '["a:1","b:1"]' }, { built_images: null }, { built_images: '{oops' }, { built_images: '["a:1"]' }])]).toEqual(['a:1', 'b:1']);
  });
});

describe('a stopped classic build', () => {
  it("finds the step containers by the ids the build printed, nothing else", async () => {
    const { stepContainers } = await import('../../src/services/image-build.js');
    const out = 'Step 1/2 : FROM x\n ---> 126708a943b7\nStep 2/2 : RUN sleep 40\n ---> Running in 52ea753f1682\nRunning in deadbeefcafe (no arrow)\n';
    expect(stepContainers(out)).toEqual(['52ea753f1682']);
    expect(stepContainers('#5 [2/2] RUN sleep 40\n')).toEqual([]);
  });
});

describe('a failed classic build', () => {
  it('names the images of the steps it ran, not the base or cached steps', async () => {
    const { stepImages } = await import('../../src/services/image-build.js');
    const out = [
      'Step 1/4 : FROM otterstack/busybox:local',
      ' ---> 126708a943b7',
      'Step 2/4 : RUN echo cached',
      ' ---> Using cache',
      ' ---> 1111aaaa2222',
      'Step 3/4 : RUN echo hi > /a',
      ' ---> Running in 54e1a8f618cd',
      'Removing intermediate container 54e1a8f618cd',
      ' ---> 8688c35d1748',
      'Step 4/4 : RUN false',
      ' ---> Running in 4bf23be55abe',
      "The command '/bin/sh -c false' returned a non-zero code: 1",
    ].join('\n');
    expect(stepImages(out)).toEqual(['8688c35d1748']);
    expect(stepImages('#7 [app 4/4] RUN false\n#7 ERROR: exit code: 1\n')).toEqual([]);
  });
});
