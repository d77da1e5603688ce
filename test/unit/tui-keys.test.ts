import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALOG_KEYS, KEYMAP, dashboardHints, fitHints, helpLines, keyTableMarkdown, LOG_HINTS } from '../../src/screens/keys.js';
import { ASCII_FALLBACK } from '../../src/screens/ascii.js';
import { statusBarLine } from '../../src/render/status-bar.js';
import { stripTags } from '../../src/render/text-width.js';
import { dialogSize } from '../../src/screens/views/dialog-size.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('one key table for bindings, help and README (issue #15)', () => {
  it('the README key table is the one generated from KEYMAP (npm run keys rewrites it)', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /<!-- keys:start[^>]*-->\n([^]*?)\n<!-- keys:end -->/.exec(readme);
    expect(block, 'README has the generated key block').not.toBeNull();
    expect(block![1]).toBe(keyTableMarkdown());
  });

  it('help lists every binding, the dialog keys, and n (notifications)', () => {
    const help = helpLines().join('\n');
    for (const k of KEYMAP) expect(help).toContain(`${k.label}`);
    for (const k of DIALOG_KEYS) expect(help).toContain(k.help);
    expect(keyTableMarkdown()).toMatch(/^\| n \| last notifications/m);
  });

  it('no key is bound twice', () => {
    const keys = KEYMAP.flatMap((k) => k.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('status bar', () => {
  const line = (width: number, message = '') =>
    statusBarLine({ message, hints: (w) => fitHints(dashboardHints(), w), selected: 'shop-frontend: ✗ down', width });

  it.each([60, 80, 100, 120, 200])('at %i columns: fits exactly, ends with the project and its badge, hints cut whole', (width) => {
    const text = stripTags(line(width));
    expect([...text].length).toBe(width);
    expect(text.trimEnd()).toMatch(/shop-frontend: ✗ down$/);
    for (const h of text.trim().split(/\s{2,}/).slice(0, -1)) expect(dashboardHints().map((x) => x.text)).toContain(h);
  });

  it('the most important hints come first to stay: deploy, rollback, help and quit fit in 80 columns', () => {
    const text = line(80);
    for (const h of ['d deploy', 'r rollback', '? help', 'q quit']) expect(text).toContain(h);
    expect(line(200)).toContain('x remove');
  });

  it('a message is shown literally (tags escaped) and cut before the badge is', () => {
    const text = line(80, `deploying {red-fg}v2{/red-fg} to shop-frontend and a very long tail of words that goes on and on`);
    expect(text).toContain('{open}red-fg{close}');
    expect(stripTags(text).trimEnd()).toMatch(/shop-frontend: ✗ down$/);
    expect([...stripTags(text)].length).toBe(80);
  });

  it('fitHints keeps table order and drops the lowest ranks first', () => {
    expect(fitHints(LOG_HINTS, 12)).toBe('l/Esc/q back');
    expect(fitHints(LOG_HINTS, 24)).toBe('j/k scroll  l/Esc/q back');
  });
});

describe('dialog size', () => {
  it('clamps to the screen and leaves the title and status bars at 80×24', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    expect(dialogSize(lines, 2, 80, 24)).toEqual({ width: 56, height: 22 });
  });

  it('counts wrapped lines: a long error gets the rows it takes', () => {
    const long = 'x'.repeat(200);
    // As wide as the screen (100), 96 inside: 200 characters take 3 rows, + 2 of hints + 2 borders.
    expect(dialogSize([`{red-fg}${long}{/red-fg}`], 2, 100, 40)).toEqual({ width: 100, height: 7 });
    expect(dialogSize([long, long], 2, 100, 40).height).toBe(10);
    expect(dialogSize([long.slice(0, 60)], 2, 100, 40).width).toBe(70);
  });

  it('widens for a long row (a picker SHA column at 60×20 is not cut)', () => {
    const row = `tag    ${'release-2026-11-29'.padEnd(20)} 1a2b3c4  ● running`;
    const { width } = dialogSize([row], 2, 60, 20);
    expect(width - 4).toBeGreaterThanOrEqual(row.length);
    expect(width).toBeLessThanOrEqual(60);
  });
});

describe('ASCII fallbacks (LANG=C)', () => {
  it('every non-ASCII character in the TUI and its renderers has a one-character ASCII stand-in', () => {
    const files = ['src/screens', 'src/render'].flatMap((dir) =>
      fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, dir, f)),
    );
    const missing = new Set<string>();
    for (const f of files) for (const ch of fs.readFileSync(f, 'utf8').match(/[^\x00-\x7f]/gu) ?? []) if (!ASCII_FALLBACK[ch]) missing.add(`${ch} (${path.relative(root, f)})`);
    expect([...missing]).toEqual([]);
    for (const v of Object.values(ASCII_FALLBACK)) expect(v).toMatch(/^[\x20-\x7e]$/);
  });
});
