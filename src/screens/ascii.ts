/**
 * One ASCII character for each non-ASCII glyph the TUI draws, for terminals without UTF-8
 * (LANG=C): blessed then prints `?` for any character it has no fallback for. Each fallback is a
 * single character, since the glyph takes a single cell. A unit test checks that every non-ASCII
 * character in src/screens and src/render has one here.
 */
export const ASCII_FALLBACK: Readonly<Record<string, string>> = {
  '—': '-',
  '…': '~',
  '→': '>',
  '←': '<',
  '↑': '^',
  '↓': 'v',
  '●': '*',
  '○': 'o',
  '◐': '~',
  '✗': 'x',
  '✓': '+',
  '×': 'x',
  '⚠': '!',
};

/** Teaches blessed's terminal (its `utoa` table, used when the terminal has no Unicode) our fallbacks. */
export function installAsciiFallbacks(tput: { utoa: Record<string, string> }): void {
  tput.utoa = { ...tput.utoa, ...ASCII_FALLBACK };
}
