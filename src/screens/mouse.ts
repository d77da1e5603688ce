import type { Widgets } from 'blessed';
import type { Controller } from './controller.js';
import type { DialogHost } from './views/dialogs.js';
import { PANE_ORDER, type DashboardView } from './views/dashboard-view.js';

interface MouseData {
  x: number;
  y: number;
}

/**
 * The mouse (lazydocker, k9s): a click (the button press) focuses a pane and selects the row under it; the wheel
 * scrolls the pane under the pointer. Never while a dialog has the keyboard (its keys only).
 */
export function bindMouse(view: DashboardView, controller: Controller, dialogs: DialogHost): void {
  const free = () => !dialogs.busy && !view.fullLogs;
  for (const pane of PANE_ORDER) {
    const box = view.paneBox(pane);
    // On the press, as terminals' own selection does: blessed reads one mouse report per read, so a
    // release arriving in the same read as its press is never seen (and there is no drag to wait for).
    box.on('mousedown', (data: MouseData) => {
      if (free()) controller.click(pane, data.y - rowTop(box));
    });
    box.on('wheelup', () => free() && controller.wheel(pane, -3));
    box.on('wheeldown', () => free() && controller.wheel(pane, 3));
  }
}

/** The screen row of `box`'s top border, as last drawn. */
function rowTop(box: Widgets.BoxElement): number {
  return (box as unknown as { lpos?: { yi: number } }).lpos?.yi ?? Number(box.atop);
}
