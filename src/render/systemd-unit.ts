export interface WatchUnitOptions {
  /** Absolute path of the node binary running OtterStack now. */
  node: string;
  /** Absolute path of the OtterStack entry script. */
  script: string;
  dataDir: string;
  gitops: boolean;
  /** Push-to-deploy: --listen HOST:PORT (and --listen-public). */
  listen?: string;
  listenPublic?: boolean;
}

/** systemd quoting for one ExecStart word: always double-quoted, with \ and " escaped, % doubled. */
function quoteWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/**
 * A unit file for `otterstack watch`: logs to the journal through stdout, stops on SIGTERM (which
 * watch handles: an in-flight GitOps deploy is interrupted and undone), restarts on failure, and
 * starts after the Docker engine.
 */
export function watchUnit(o: WatchUnitOptions): string {
  const exec = [o.node, o.script, '--data-dir', o.dataDir, 'watch', ...(o.gitops ? ['--gitops'] : []), ...(o.listen ? ['--listen', o.listen] : []), ...(o.listenPublic ? ['--listen-public'] : [])].map(quoteWord).join(' ');
  return `[Unit]
Description=OtterStack watch: health notifications${o.gitops ? ' and GitOps deploys' : ''}${o.listen ? ' and webhooks' : ''}
Wants=docker.service
After=docker.service network-online.target

[Service]
Type=simple
ExecStart=${exec}
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
# A deploy interrupted by stop is undone before watch exits; give it the time compose needs.
TimeoutStopSec=120
Environment=NODE_ENV=production

[Install]
WantedBy=multi-user.target
`;
}
