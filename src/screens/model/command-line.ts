/**
 * The `:` command line (k9s): parsing and Tab completion, pure. The TUI runs a parsed command
 * through the same controller flows as the keys (screens/command-line.ts); nothing here acts.
 */

export type Command =
  | { verb: 'deploy'; project: string; ref: string | null }
  | { verb: 'rollback'; project: string; sha: string | null }
  | { verb: 'prune'; project: string; keep: number | null }
  | { verb: 'logs'; project: string }
  | { verb: 'remove'; project: string }
  | { verb: 'help' }
  | { verb: 'quit' };

export interface VerbSpec {
  name: string;
  verb: Command['verb'];
  usage: string;
}

/** The verbs, as typed; `:help` lists them from here. */
export const VERBS: VerbSpec[] = [
  { name: 'deploy', verb: 'deploy', usage: 'deploy [project] [ref]   deploy a ref (no ref: pick one)' },
  { name: 'rollback', verb: 'rollback', usage: 'rollback [project] [sha]   roll back (no sha: pick a release)' },
  { name: 'prune', verb: 'prune', usage: 'prune [project] [keep]   prune old releases, keeping [keep]' },
  { name: 'logs', verb: 'logs', usage: 'logs [project]   container logs full screen' },
  { name: 'remove', verb: 'remove', usage: 'remove [project]   remove the project (type its name to confirm)' },
  { name: 'help', verb: 'help', usage: 'help   this list' },
  { name: 'q', verb: 'quit', usage: 'q, quit   quit' },
  { name: 'quit', verb: 'quit', usage: '' },
];

export interface CommandContext {
  projects: string[];
  /** The selected project: the one a verb acts on when none is named. */
  selected: string | null;
}

export type Parsed = { command: Command } | { error: string } | null;

const SHA = /^[0-9a-f]{4,40}$/i;
const COUNT = /^\d+$/;

function words(text: string): string[] {
  return text.replace(/^\s*:/, '').trim().split(/\s+/).filter(Boolean);
}

/** What is valid, for the error of an unknown verb. */
export function validVerbs(): string {
  return VERBS.filter((v) => v.usage).map((v) => v.name).join(', ') + ', quit';
}

/** One line typed after `:` → a command, an error saying what is valid, or null (nothing typed). */
export function parseCommand(text: string, ctx: CommandContext): Parsed {
  const [name, ...args] = words(text);
  if (name === undefined) return null;
  const spec = VERBS.find((v) => v.name === name.toLowerCase());
  if (!spec) return { error: `unknown command ${JSON.stringify(name)}: valid are ${validVerbs()} (Tab completes)` };
  const known = (p: string) => ctx.projects.includes(p);
  const tooMany = (max: number) => (args.length > max ? { error: `too many arguments: ${spec.usage.split('   ')[0]}` } : null);
  const project = (named: string | undefined): { project: string } | { error: string } => {
    if (named !== undefined) return known(named) ? { project: named } : { error: `unknown project ${JSON.stringify(named)}` };
    return ctx.selected ? { project: ctx.selected } : { error: `no project selected: name one (${spec.usage.split('   ')[0]})` };
  };
  switch (spec.verb) {
    case 'help':
    case 'quit':
      return tooMany(0) ?? { command: { verb: spec.verb } };
    case 'logs':
    case 'remove': {
      const p = tooMany(1) ?? project(args[0]);
      return 'error' in p ? p : { command: { verb: spec.verb, project: p.project } };
    }
    case 'deploy': {
      // One word is a ref of the selected project (a ref may be named like a project); two are project and ref.
      const p = tooMany(2) ?? project(args.length === 2 ? args[0] : undefined);
      return 'error' in p ? p : { command: { verb: 'deploy', project: p.project, ref: args.at(-1) ?? null } };
    }
    case 'rollback': {
      if (args.length === 1 && known(args[0]!) && SHA.test(args[0]!)) return { error: `${JSON.stringify(args[0])} is both a project and a SHA: write :rollback <project> <sha>` };
      const named = args.length === 2 || (args.length === 1 && known(args[0]!)) ? args[0] : undefined;
      const sha = args.length === 2 ? args[1]! : args.length === 1 && !known(args[0]!) ? args[0]! : null;
      if (sha !== null && !SHA.test(sha)) return { error: `not a project or a commit SHA: ${JSON.stringify(sha)}` };
      const p = tooMany(2) ?? project(named);
      return 'error' in p ? p : { command: { verb: 'rollback', project: p.project, sha } };
    }
    case 'prune': {
      const named = args.length === 2 || (args.length === 1 && !COUNT.test(args[0]!)) ? args[0] : undefined;
      const count = args.length === 2 ? args[1]! : args.length === 1 && COUNT.test(args[0]!) ? args[0]! : null;
      if (count !== null && (!COUNT.test(count) || Number(count) < 1)) return { error: `releases to keep must be a number of at least 1, not ${JSON.stringify(count)}` };
      const p = tooMany(2) ?? project(named);
      return 'error' in p ? p : { command: { verb: 'prune', project: p.project, keep: count === null ? null : Number(count) } };
    }
  }
}

export interface Completion {
  text: string;
  /** Every match when Tab could not decide (shown to the operator); empty otherwise. */
  candidates: string[];
}

/** The project whose refs completing `text` needs: the one named in `:deploy <project> …`, else the selected one. */
export function completionProject(text: string, ctx: CommandContext): string | null {
  const w = words(text);
  if (w[0] === 'deploy' && w.length >= 2 && ctx.projects.includes(w[1]!) && (w.length > 2 || /\s$/.test(text))) return w[1]!;
  return ctx.selected;
}

/**
 * Tab: completes the word under the cursor (the end of the line) to the only match, or to the
 * longest prefix all matches share. Verbs first, then projects, and refs for deploy (`refs` are
 * those of completionProject).
 */
export function completeCommand(text: string, ctx: CommandContext, refs: string[]): Completion {
  const colon = /^\s*:/.test(text) ? ':' : '';
  const w = words(text);
  const endsWord = !/\s$/.test(text) && w.length > 0;
  const done = endsWord ? w.slice(0, -1) : w;
  const partial = endsWord ? w.at(-1)! : '';
  const options = candidatesAt(done, ctx, refs);
  const matches = [...new Set(options.filter((o) => o.startsWith(partial)))];
  const line = (last: string, space: boolean) => `${colon}${[...done, last].join(' ')}${space ? ' ' : ''}`;
  if (matches.length === 0) return { text, candidates: [] };
  if (matches.length === 1) return { text: line(matches[0]!, true), candidates: [] };
  const common = commonPrefix(matches);
  return { text: common.length > partial.length ? line(common, false) : text, candidates: matches };
}

function candidatesAt(done: string[], ctx: CommandContext, refs: string[]): string[] {
  if (done.length === 0) return VERBS.map((v) => v.name);
  const spec = VERBS.find((v) => v.name === done[0]);
  if (!spec) return [];
  const projectNamed = done.length === 2 && ctx.projects.includes(done[1]!);
  switch (spec.verb) {
    case 'deploy':
      if (done.length === 1) return [...refs, ...ctx.projects];
      return projectNamed ? refs : [];
    case 'rollback':
    case 'prune':
    case 'logs':
    case 'remove':
      return done.length === 1 ? ctx.projects : [];
    default:
      return [];
  }
}

function commonPrefix(values: string[]): string {
  let prefix = values[0] ?? '';
  for (const v of values) while (!v.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
