export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Takes over SIGINT/SIGTERM: the first one aborts the running operation (which then cleans up
 * and records `interrupted`); a second one exits at once.
 *
 * Why listeners are removed: `conf` → `atomically` → `when-exit` hooks these signals at import
 * and re-raises the signal after its own callbacks, which would look like the operator's second
 * Ctrl-C and kill us mid-cleanup. Its only job (removing atomically's temp files) is moot here,
 * since our settings writes are synchronous and never span a signal.
 */
export function installSignalHandlers(abort: AbortController): () => NodeJS.Signals | null {
  let caught: NodeJS.Signals | null = null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => {
      if (caught) process.exit(SIGNAL_EXIT[sig]);
      caught = sig;
      abort.abort();
    });
  }
  return () => caught;
}
