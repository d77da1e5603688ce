import type { ContainerHealth } from './commands/engine.js';
import { redact } from './redact.js';

/** Stages of a deploy/rollback, in order. Screens render these; the CLI prints them as lines. */
export type Stage =
  | 'lock'
  | 'fetch'
  | 'resolve'
  | 'worktree'
  | 'validate'
  | 'shared'
  | 'pull'
  | 'build'
  | 'hook'
  | 'start'
  | 'health'
  | 'retire'
  | 'restore'
  | 'cleanup'
  | 'prune'
  | 'done';

export type ProgressEvent =
  | { type: 'stage'; stage: Stage; message: string; at: number }
  | { type: 'container'; service: string; container: string; state: string; health: ContainerHealth; at: number }
  | { type: 'output'; text: string; at: number; /** 'hook': a release hook's own output (the TUI shows it live) */ source?: 'hook' }
  | { type: 'warning'; message: string; at: number };

export type ProgressListener = (event: ProgressEvent) => void;

/**
 * Builds events with timestamps and fans them out; listeners never break the operation. Text is
 * redacted here, once, so no listener (CLI, TUI, operation log) ever sees a secret.
 */
export class Progress {
  constructor(private readonly listeners: ProgressListener[]) {}

  private emit(event: ProgressEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a broken renderer must not fail a deploy */
      }
    }
  }
  stage(stage: Stage, message: string): void {
    this.emit({ type: 'stage', stage, message: redact(message), at: Date.now() });
  }
  container(service: string, container: string, state: string, health: ContainerHealth): void {
    this.emit({ type: 'container', service, container, state, health, at: Date.now() });
  }
  output(text: string, source?: 'hook'): void {
    this.emit({ type: 'output', text: redact(text), at: Date.now(), ...(source ? { source } : {}) });
  }
  warning(message: string): void {
    this.emit({ type: 'warning', message: redact(message), at: Date.now() });
  }
}
