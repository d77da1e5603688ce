/**
 * Every key of the TUI, with its help text: one table drives the bindings (app.ts), the `?` help,
 * the status-bar hints and the README's key table (scripts/gen-keys.mjs, checked by a unit test),
 * as lazydocker generates its keybinding docs, so they cannot drift.
 */
export type Action =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'follow'
  | 'nextPane'
  | 'prevPane'
  | 'focus1'
  | 'focus2'
  | 'focus3'
  | 'focus4'
  | 'enter'
  | 'back'
  | 'deploy'
  | 'rollback'
  | 'prune'
  | 'add'
  | 'remove'
  | 'logs'
  | 'filter'
  | 'help'
  | 'refresh'
  | 'notifications'
  | 'env'
  | 'sort'
  | 'wrap'
  | 'timestamps'
  | 'since'
  | 'service'
  | 'search'
  | 'nextMatch'
  | 'prevMatch'
  | 'restartContainer'
  | 'toggleContainer'
  | 'shell'
  | 'inspect'
  | 'command'
  | 'quit';

/** Actions of the logs only: the full-screen logs, or the Logs pane when it has the focus (log-keys.ts). */
export const LOG_ACTIONS: readonly Action[] = ['wrap', 'timestamps', 'since', 'service', 'search', 'nextMatch', 'prevMatch'];

/** Where a key acts: the help and the README list keys by group. */
export type KeyGroup = 'move' | 'project' | 'container' | 'logs' | 'general';

export interface KeyBinding {
  keys: string[];
  action: Action;
  label: string;
  help: string;
  group: KeyGroup;
  /** Status-bar hint ("d deploy"): shown in this order, highest first, as far as the width allows. */
  hint?: { text: string; rank: number };
  /** What the key does in the logs instead (`/` searches there, `n` goes to the next match). */
  inLogs?: Action;
}

export const KEYMAP: KeyBinding[] = [
  { keys: ['up', 'k'], action: 'up', label: '↑/k', help: 'move up', group: 'move' },
  { keys: ['down', 'j'], action: 'down', label: '↓/j', help: 'move down', group: 'move' },
  { keys: ['pageup'], action: 'pageUp', label: 'PgUp', help: 'page up (lists and logs; in logs it pauses following)', group: 'move' },
  { keys: ['pagedown'], action: 'pageDown', label: 'PgDn', help: 'page down (lists and logs)', group: 'move' },
  { keys: ['g', 'home'], action: 'top', label: 'g/Home', help: 'first row; in logs the first line (pauses following)', group: 'move' },
  { keys: ['S-g', 'end'], action: 'bottom', label: 'G/End', help: 'last row; in logs the newest line (follows again)', group: 'move' },
  { keys: ['tab'], action: 'nextPane', label: 'Tab', help: 'next pane', group: 'move', hint: { text: 'Tab pane', rank: 3 } },
  { keys: ['S-tab'], action: 'prevPane', label: 'S-Tab', help: 'previous pane', group: 'move' },
  { keys: ['1'], action: 'focus1', label: '1', help: 'focus Projects', group: 'move' },
  { keys: ['2'], action: 'focus2', label: '2', help: 'focus Containers', group: 'move' },
  { keys: ['3'], action: 'focus3', label: '3', help: 'focus History', group: 'move' },
  { keys: ['4'], action: 'focus4', label: '4', help: 'focus Logs', group: 'move' },
  { keys: ['enter'], action: 'enter', label: 'Enter', help: 'open: project → containers, history row → its details and operation log', group: 'move' },
  { keys: ['escape'], action: 'back', label: 'Esc', help: 'back: close dialog, leave full-screen logs, clear filter', group: 'move' },
  { keys: ['d'], action: 'deploy', label: 'd', help: 'deploy a tag, branch or SHA (shows the commits between the running release and it)', group: 'project', hint: { text: 'd deploy', rank: 10 } },
  { keys: ['r'], action: 'rollback', label: 'r', help: 'roll back to an earlier release', group: 'project', hint: { text: 'r rollback', rank: 9 } },
  { keys: ['e'], action: 'env', label: 'e', help: "environment: the project's variables (masked); set, reveal, unset, redeploy", group: 'project', hint: { text: 'e env', rank: 5 } },
  { keys: ['p'], action: 'prune', label: 'p', help: 'prune old releases (shows what goes, then asks)', group: 'project', hint: { text: 'p prune', rank: 4 } },
  { keys: ['a'], action: 'add', label: 'a', help: 'add a project (local path, https:// or SSH URL)', group: 'project', hint: { text: 'a add', rank: 4 } },
  { keys: ['x'], action: 'remove', label: 'x', help: 'remove the project (type its name to confirm, then choose what to clean up)', group: 'project', hint: { text: 'x remove', rank: 3 } },
  { keys: ['l'], action: 'logs', label: 'l', help: 'container logs of the project full screen; l, Esc or q closes them', group: 'logs', hint: { text: 'l logs', rank: 7 } },
  { keys: ['f'], action: 'follow', label: 'f', help: 'logs: follow new lines on/off (scrolling up pauses; the label says which)', group: 'logs' },
  { keys: ['w'], action: 'wrap', label: 'w', help: 'logs: wrap long lines on/off', group: 'logs' },
  { keys: ['t'], action: 'timestamps', label: 't', help: 'logs: timestamps on/off', group: 'logs' },
  { keys: ['o'], action: 'since', label: 'o', help: 'logs: since when (last 500 lines, 5 min, 1 h, 24 h, everything)', group: 'logs' },
  { keys: ['v'], action: 'service', label: 'v', help: 'logs: all services or one', group: 'logs' },
  { keys: ['S-n'], action: 'prevMatch', label: 'N', help: 'logs: previous search match (/ searches there, n goes to the next)', group: 'logs' },
  { keys: ['S-r'], action: 'restartContainer', label: 'R', help: 'restart the selected container', group: 'container' },
  { keys: ['S-t'], action: 'toggleContainer', label: 'T', help: 'stop the selected container, or start it if stopped (asks first)', group: 'container' },
  { keys: ['s'], action: 'shell', label: 's', help: 'shell (sh) in the selected container; exit returns to the dashboard', group: 'container' },
  { keys: ['i'], action: 'inspect', label: 'i', help: "inspect the selected container: state, health, the release's resolved compose config (secrets masked)", group: 'container' },
  { keys: ['/'], action: 'filter', inLogs: 'search', label: '/', help: 'filter projects; in logs: search (marks the next line with the text, pauses)', group: 'general', hint: { text: '/ filter', rank: 6 } },
  { keys: [':'], action: 'command', label: ':', help: 'command line: deploy, rollback, prune, logs, remove, help, q (Tab completes; :help lists them)', group: 'general', hint: { text: ': command', rank: 5 } },
  { keys: ['S-s'], action: 'sort', label: 'S', help: 'sort projects: health (down first, the default) → name → last deploy', group: 'general' },
  { keys: ['n'], action: 'notifications', inLogs: 'nextMatch', label: 'n', help: 'last notifications and delivery failures, and webhook deliveries; in logs: next match', group: 'general' },
  { keys: ['?'], action: 'help', label: '?', help: 'this help', group: 'general', hint: { text: '? help', rank: 8 } },
  { keys: ['C-r'], action: 'refresh', label: 'C-r', help: 'refresh now', group: 'general' },
  { keys: ['q', 'C-c'], action: 'quit', label: 'q', help: 'quit (Ctrl-C too; asks only while an operation runs); in full-screen logs q closes them', group: 'general', hint: { text: 'q quit', rank: 8 } },
];

/** Keys inside dialogs (views/dialogs.ts): not dashboard bindings, but listed with them. */
export const DIALOG_KEYS: { label: string; help: string }[] = [
  { label: '↑/↓, j/k', help: 'pickers: move; PgUp/PgDn, g/G page and jump' },
  { label: 'Enter, y', help: 'select / confirm' },
  { label: 'Esc, n, q', help: 'cancel and close only this dialog (a second Esc does nothing more)' },
  { label: '↑/↓, PgUp/PgDn', help: 'text dialogs (help, logs, errors): scroll' },
];

/** In the order the help and the README list them: what operators look up most first. */
const GROUP_TITLES: Record<KeyGroup, string> = { project: 'The selected project', container: 'The selected container (Containers pane; Tab or 2 to it)', general: 'General', logs: 'Logs', move: 'Moving around' };

export function helpLines(): string[] {
  const width = Math.max(...KEYMAP.map((k) => k.label.length), ...DIALOG_KEYS.map((k) => k.label.length));
  const lines: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as KeyGroup[]) {
    lines.push(`${GROUP_TITLES[group]}:`);
    for (const k of KEYMAP.filter((b) => b.group === group)) lines.push(`  ${k.label.padEnd(width)}  ${k.help}`);
  }
  lines.push('In dialogs:');
  for (const k of DIALOG_KEYS) lines.push(`  ${k.label.padEnd(width)}  ${k.help}`);
  return lines;
}

/** The README's key table (markdown), generated from KEYMAP and DIALOG_KEYS. */
export function keyTableMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| key | action |', '| --- | --- |'];
  for (const group of Object.keys(GROUP_TITLES) as KeyGroup[]) {
    lines.push(`| **${GROUP_TITLES[group]}** | |`);
    for (const k of KEYMAP.filter((b) => b.group === group)) lines.push(`| ${cell(k.label)} | ${cell(k.help)} |`);
  }
  lines.push('| **In dialogs** | |');
  for (const k of DIALOG_KEYS) lines.push(`| ${cell(k.label)} | ${cell(k.help)} |`);
  return lines.join('\n');
}

export interface Hint {
  text: string;
  rank: number;
}

/** What `action` means in the logs: the binding's `inLogs`, else itself. */
export function inLogs(action: Action): Action {
  return KEYMAP.find((k) => k.action === action)?.inLogs ?? action;
}

/** Status-bar hints while the full-screen logs are open. */
export const LOG_HINTS: Hint[] = [
  { text: 'j/k scroll', rank: 8 },
  { text: 'PgUp/PgDn page', rank: 3 },
  { text: 'g/G first/newest', rank: 4 },
  { text: 'f follow', rank: 7 },
  { text: '/ n N search', rank: 6 },
  { text: 'w wrap', rank: 5 },
  { text: 't time', rank: 5 },
  { text: 'o since', rank: 5 },
  { text: 'v service', rank: 5 },
  { text: 'l/Esc/q back', rank: 10 },
];

/** The dashboard's status-bar hints, from the key table. */
export function dashboardHints(): Hint[] {
  return KEYMAP.filter((k) => k.hint).map((k) => k.hint!);
}

/**
 * The hints that fit in `width` columns (two spaces apart): chosen by rank, most important first,
 * then shown in their table order, so a narrow terminal drops the least used ones whole.
 */
export function fitHints(hints: Hint[], width: number): string {
  const all = hints.map((h, order) => ({ ...h, order }));
  const chosen: typeof all = [];
  let used = 0;
  for (const h of [...all].sort((a, b) => b.rank - a.rank || a.order - b.order)) {
    const need = (chosen.length ? 2 : 0) + h.text.length;
    if (used + need > width) continue;
    chosen.push(h);
    used += need;
  }
  return chosen.sort((a, b) => a.order - b.order).map((h) => h.text).join('  ');
}
