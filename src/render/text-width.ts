/** The visible text of blessed tagged content: tags removed, `{open}`/`{close}` back to braces. */
export function stripTags(text: string): string {
  return text.replace(/\{(\/?)([\w\-,;!#]*)\}/g, (tag, _slash: string, name: string) => (name === 'open' ? '{' : name === 'close' ? '}' : ''));
}

/** Terminal columns `text` takes: one per code point (our glyphs and most text are narrow). */
export function strWidth(text: string): number {
  return [...text].length;
}
