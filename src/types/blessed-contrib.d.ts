// blessed-contrib ships no types; we use only its grid layout.
declare module 'blessed-contrib/lib/layout/grid.js' {
  import type { Widgets } from 'blessed';
  export default class Grid {
    constructor(opts: { rows: number; cols: number; screen: Widgets.Screen; hideBorder?: boolean });
    set<T>(row: number, col: number, rowSpan: number, colSpan: number, factory: (opts: any) => T, opts: Record<string, unknown>): T;
  }
}
