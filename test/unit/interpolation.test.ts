import { describe, expect, it } from 'vitest';
import { requiredVariables } from '../../src/services/interpolation.js';

describe('requiredVariables', () => {
  it('finds variables without a default, and only those', () => {
    const text = [
      'image: app:${TAG}',
      'url: ${DATABASE_URL:?set DATABASE_URL}',
      'x: ${STRICT?missing}',
      'plain: $API_TOKEN/x',
      'd1: ${PORT:-8080}',
      'd2: ${MODE-dev}',
      'd3: ${EXTRA:+on}',
      'd4: ${OTHER+on}',
      'escaped: $$HOME and $${NOT_ME}',
    ].join('\n');
    expect(requiredVariables(text).sort()).toEqual(['API_TOKEN', 'DATABASE_URL', 'STRICT', 'TAG']);
  });
});
