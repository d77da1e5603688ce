/** Every key of the dashboard, with its help text: one table drives both bindings and the `?` overlay. */
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
  | 'quit';

export interface KeyBinding {
  keys: string[];
  action: Action;
  label: string;
  help: string;
}

export const KEYMAP: KeyBinding[] = [
  { keys: ['up', 'k'], action: 'up', label: '↑/k', help: 'move up' },
  { keys: ['down', 'j'], action: 'down', label: '↓/j', help: 'move down' },
  { keys: ['pageup'], action: 'pageUp', label: 'PgUp', help: 'page up (lists and logs; in logs it pauses following)' },
  { keys: ['pagedown'], action: 'pageDown', label: 'PgDn', help: 'page down (lists and logs)' },
  { keys: ['g', 'home'], action: 'top', label: 'g/Home', help: 'first row; in logs the first line (pauses following)' },
  { keys: ['S-g', 'end'], action: 'bottom', label: 'G/End', help: 'last row; in logs the newest line (follows again)' },
  { keys: ['f'], action: 'follow', label: 'f', help: 'logs: follow new lines on/off (scrolling up pauses; the label says which)' },
  { keys: ['tab'], action: 'nextPane', label: 'Tab', help: 'next pane' },
  { keys: ['S-tab'], action: 'prevPane', label: 'S-Tab', help: 'previous pane' },
  { keys: ['enter'], action: 'enter', label: 'Enter', help: 'open: project → containers, history row → its log' },
  { keys: ['escape'], action: 'back', label: 'Esc', help: 'back: close dialog, leave full-screen logs, clear filter' },
  { keys: ['d'], action: 'deploy', label: 'd', help: 'deploy a tag, branch or SHA' },
  { keys: ['r'], action: 'rollback', label: 'r', help: 'roll back to an earlier release' },
  { keys: ['p'], action: 'prune', label: 'p', help: 'prune old releases' },
  { keys: ['a'], action: 'add', label: 'a', help: 'add a project' },
  { keys: ['x'], action: 'remove', label: 'x', help: 'remove the project (type its name to confirm)' },
  { keys: ['l'], action: 'logs', label: 'l', help: 'container logs of the project full screen; l, Esc or q closes them (↑↓/j/k scroll there)' },
  { keys: ['/'], action: 'filter', label: '/', help: 'filter projects' },
  { keys: ['S-s'], action: 'sort', label: 'S', help: 'sort projects: health (down first, the default) → name → last deploy' },
  { keys: ['e'], action: 'env', label: 'e', help: "environment: the project's variables (masked); set, reveal, unset, redeploy" },
  { keys: ['n'], action: 'notifications', label: 'n', help: 'last notifications and delivery failures' },
  { keys: ['?'], action: 'help', label: '?', help: 'this help' },
  { keys: ['C-r'], action: 'refresh', label: 'C-r', help: 'refresh now' },
  { keys: ['q', 'C-c'], action: 'quit', label: 'q', help: 'quit (Ctrl-C too); in full-screen logs q closes them' },
];

export function helpLines(): string[] {
  const width = Math.max(...KEYMAP.map((k) => k.label.length));
  return KEYMAP.map((k) => `${k.label.padEnd(width)}  ${k.help}`);
}

/** Short hints for the status bar while the full-screen logs are open. */
export function logHintLine(): string {
  return ['j/k scroll', 'PgUp/PgDn page', 'g/G first/newest', 'f follow', 'l/Esc/q back'].join('  ');
}

/** Short hints for the status bar. */
export function hintLine(): string {
  return ['d deploy', 'r rollback', 'e env', 'p prune', 'a add', 'x remove', 'l logs', '/ filter', '? help', 'q quit'].join('  ');
}
