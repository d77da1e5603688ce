import * as blessed from '../widgets.js';
import type { Widgets } from 'blessed';
import type { Theme } from '../theme.js';

/** A bordered pane: a fixed column header line and a scrollable list under it. */
export interface Pane {
  box: Widgets.BoxElement;
  header: Widgets.BoxElement;
  list: Widgets.ListElement;
  setRows(header: string, rows: string[], selected?: number): void;
  setFocused(focused: boolean): void;
}

export function createPane(box: Widgets.BoxElement, theme: Theme): Pane {
  const header = blessed.box({ parent: box, top: 0, left: 0, right: 0, height: 1, tags: false, style: { bold: true } });
  const list = blessed.list({
    parent: box,
    top: 1,
    left: 0,
    right: 0,
    bottom: 0,
    tags: true,
    keys: false,
    mouse: false,
    style: { selected: theme.selected as never, item: {} },
  });
  return {
    box,
    header,
    list,
    setRows(h, rows, selected) {
      header.setContent(h);
      list.setItems(rows as never);
      if (selected !== undefined && selected >= 0) list.select(selected);
    },
    setFocused(focused) {
      box.style.border = (focused ? theme.focusBorder : theme.border) as never;
      // Only the pane with the keyboard shows a full highlight (k9s): the others mark their row.
      (list.style as { selected: unknown }).selected = focused ? theme.selected : theme.selectedInactive;
    },
  };
}

export function paneBoxOptions(title: string, theme: Theme): Record<string, unknown> {
  return { label: ` ${title} `, border: { type: 'line' }, tags: true, style: { border: theme.border } };
}
