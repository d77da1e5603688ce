import type { ProgressEvent } from '../services/events.js';
import { formatDuration } from '../render/format.js';

/** Formats one progress event as a log line (pure), relative to the operation's start. */
export function formatProgressLine(e: ProgressEvent, startedAt: number): string {
  const t = `[${formatDuration(e.at - startedAt).padStart(6)}]`;
  switch (e.type) {
    case 'stage':
      return `${t} ${e.stage.padEnd(8)} ${e.message}`;
    case 'container':
      return `${t} ${'health'.padEnd(8)} ${e.service}: ${e.state}${e.health === 'none' ? '' : `, ${e.health}`} (${e.container})`;
    case 'output':
      return `${t}          | ${e.text}`;
    case 'warning':
      return `${t} warning  ${e.message}`;
  }
}

export function progressPrinter(write: (line: string) => void): (e: ProgressEvent) => void {
  const startedAt = Date.now();
  return (e) => write(formatProgressLine(e, startedAt));
}
