import type { ProgressEvent } from '../../services/events.js';

/** One deploy/rollback/prune/remove started from the TUI, observed by the progress view. */
export interface OperationState {
  id: number;
  project: string;
  kind: 'deploy' | 'rollback' | 'prune' | 'remove';
  label: string;
  startedAt: number;
  finishedAt: number | null;
  events: ProgressEvent[];
  error: string | null;
  abort: AbortController;
  done: Promise<void>;
}
