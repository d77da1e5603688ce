import { OtterError } from './errors.js';

/**
 * dotenv text <-> variables, for `env import` / `env export`. Accepted: blank lines, `#` comments,
 * an optional `export ` prefix, unquoted values (a ` #` starts a comment), single quotes (literal),
 * double quotes (\n, \t, \", \\ escapes; may span lines). Anything else is an error naming the
 * line, never a guess. Pure; unit-tested.
 */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDotenv(text: string, source = 'input'): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const bad = (why: string) => new OtterError('usage', `${source} line ${lineNo}: ${why}`);
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw bad('expected KEY=VALUE');
    const key = m[1]!;
    if (!ENV_KEY.test(key)) throw bad(`invalid key ${JSON.stringify(key)}: use letters, digits and _, not starting with a digit`);
    let rest = m[2]!;
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw bad('unterminated single quote');
      value = rest.slice(1, end);
      rest = rest.slice(end + 1);
    } else if (rest.startsWith('"')) {
      // A double-quoted value may continue on the following lines.
      let body = rest.slice(1);
      let end = closingQuote(body);
      while (end < 0 && i + 1 < lines.length) {
        body += '\n' + lines[++i];
        end = closingQuote(body);
      }
      if (end < 0) throw new OtterError('usage', `${source} line ${lineNo}: unterminated double quote`);
      value = unescapeDouble(body.slice(0, end));
      rest = body.slice(end + 1);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
      rest = '';
    }
    if (rest.trim() !== '' && !rest.trim().startsWith('#')) throw bad('unexpected text after the closing quote');
    if (value.includes('\0')) throw bad('values may not contain NUL');
    out.push([key, value]);
  }
  return out;
}

function closingQuote(body: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === '"') return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/gs, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

/** Variables as dotenv text that parseDotenv reads back exactly. */
export function formatDotenv(vars: [string, string][]): string {
  return vars.map(([k, v]) => `${k}=${/^[A-Za-z0-9_./:@+,-]*$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`}`).join('\n') + (vars.length ? '\n' : '');
}
