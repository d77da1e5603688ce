import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Migrations live in code, applied in order inside one write transaction; `schema_version`
 * records what ran. Append new entries, never edit old ones.
 */
export interface Migration {
  version: number;
  name: string;
  up: (db: Kysely<Database>) => Promise<void>;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    async up(db) {
      await sql`CREATE TABLE projects (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        repo_type TEXT NOT NULL CHECK (repo_type IN ('local', 'remote')),
        repo_url TEXT,
        repo_path TEXT NOT NULL,
        compose_file TEXT,
        worktree_retention INTEGER,
        strategy TEXT NOT NULL DEFAULT 'recreate' CHECK (strategy IN ('recreate', 'blue-green')),
        persistent_paths TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'cloning', 'clone_failed')),
        status_message TEXT,
        last_fetch_at INTEGER,
        last_fetch_result TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE TABLE deployments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        git_sha TEXT NOT NULL CHECK (length(git_sha) = 40),
        git_ref TEXT,
        action TEXT NOT NULL DEFAULT 'deploy' CHECK (action IN ('deploy', 'rollback')),
        compose_project TEXT NOT NULL,
        worktree_path TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('deploying', 'active', 'inactive', 'failed', 'rolled_back', 'interrupted')),
        error_message TEXT,
        pid INTEGER,
        previous_deployment_id INTEGER REFERENCES deployments(id) ON DELETE SET NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      )`.execute(db);
      await sql`CREATE INDEX idx_deployments_project_status ON deployments(project_id, status)`.execute(db);
      await sql`CREATE INDEX idx_deployments_project_started ON deployments(project_id, started_at DESC)`.execute(db);
      await sql`CREATE INDEX idx_deployments_project_sha ON deployments(project_id, git_sha)`.execute(db);
      // The database itself guarantees at most one active release per project.
      await sql`CREATE UNIQUE INDEX idx_deployments_one_active ON deployments(project_id) WHERE status = 'active'`.execute(db);
      await sql`CREATE TABLE operation_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
        deployment_id INTEGER REFERENCES deployments(id) ON DELETE SET NULL,
        operation TEXT NOT NULL CHECK (operation IN ('clone', 'fetch', 'deploy', 'rollback', 'prune', 'remove', 'cleanup')),
        status TEXT NOT NULL CHECK (status IN ('running', 'success', 'failed', 'interrupted')),
        log_path TEXT NOT NULL,
        message TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER
      )`.execute(db);
      await sql`CREATE INDEX idx_operation_logs_project_started ON operation_logs(project_id, started_at DESC)`.execute(db);
      await sql`CREATE INDEX idx_operation_logs_deployment ON operation_logs(deployment_id)`.execute(db);
    },
  },
  {
    version: 2,
    name: 'instance id',
    async up(db) {
      // Identifies this installation's releases on a shared engine (labels), so cleanup and
      // prune never touch releases of another data dir.
      await sql`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`.execute(db);
      await sql`INSERT INTO meta (key, value) VALUES ('instance_id', lower(hex(randomblob(8))))`.execute(db);
    },
  },
  {
    version: 3,
    name: 'notifications and gitops',
    async up(db) {
      // Targets: where notifications go. project_id NULL = global. Secrets (HMAC key, SMTP
      // password) are never stored: only the NAME of the environment variable holding them.
      await sql`CREATE TABLE notification_targets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'discord', 'email')),
        url TEXT NOT NULL,
        secret_env TEXT,
        email_from TEXT,
        created_at INTEGER NOT NULL
      )`.execute(db);
      // The delivery queue and its history (shown in the TUI); pending rows are retried with backoff.
      await sql`CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
        target_id INTEGER REFERENCES notification_targets(id) ON DELETE CASCADE,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER
      )`.execute(db);
      await sql`CREATE INDEX idx_notifications_pending ON notifications(status, next_attempt_at)`.execute(db);
      await sql`CREATE INDEX idx_notifications_created ON notifications(created_at DESC)`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN follow_branch TEXT`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN gitops_last_sha TEXT`.execute(db);
    },
  },
  {
    version: 4,
    name: 'owners of persistent folders',
    async up(db) {
      // persistent path -> "uid:gid" given with `project set --persistent P --owner U:G`: applied when a
      // folder is created, or at once when asked; an existing folder is never changed otherwise.
      await sql`ALTER TABLE projects ADD COLUMN persistent_owners TEXT NOT NULL DEFAULT '{}'`.execute(db);
    },
  },
  {
    version: 5,
    name: 'auto-persist',
    async up(db) {
      // 1: a writable bind mount of a path not in the release becomes a persistent folder by itself.
      await sql`ALTER TABLE projects ADD COLUMN auto_persist INTEGER NOT NULL DEFAULT 0`.execute(db);
    },
  },
  {
    version: 6,
    name: 'project configuration versions',
    async up(db) {
      // Values are encrypted with <data-dir>/secret.key, which is never in this file.
      await sql`CREATE TABLE config_versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        sealed TEXT NOT NULL,
        digest TEXT NOT NULL,
        changes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (project_id, version)
      )`.execute(db);
      await sql`ALTER TABLE deployments ADD COLUMN config_version INTEGER`.execute(db);
    },
  },
  {
    version: 7,
    name: 'shared services and release notes',
    async up(db) {
      // Services run once per project outside releases (`project set --shared`); the compose file's
      // x-otterstack.shared wins when it says anything.
      await sql`ALTER TABLE projects ADD COLUMN shared_services TEXT NOT NULL DEFAULT '[]'`.execute(db);
      // What happened beside the release itself, for history: shared services replaced, hooks skipped or failed.
      await sql`ALTER TABLE deployments ADD COLUMN notes TEXT`.execute(db);
    },
  },
  {
    version: 8,
    name: 'who started each operation',
    async up(db) {
      // "alice from 203.0.113.7" (services/invoker.ts): several operators share a server.
      await sql`ALTER TABLE deployments ADD COLUMN invoked_by TEXT`.execute(db);
      await sql`ALTER TABLE operation_logs ADD COLUMN invoked_by TEXT`.execute(db);
    },
  },
  {
    version: 9,
    name: 'blue-green generation',
    async up(db) {
      // Each blue-green release takes the next generation; its routers' priorities are built from it
      // (services/traefik-priority.ts), so a newer release outranks an older one without Date.now().
      await sql`ALTER TABLE projects ADD COLUMN traefik_generation INTEGER NOT NULL DEFAULT 0`.execute(db);
    },
  },
  {
    version: 10,
    name: 'pull policy',
    async up(db) {
      // always | missing | never (services/image-pull.ts): a tag like :latest is pulled again on each deploy by default.
      await sql`ALTER TABLE projects ADD COLUMN pull_policy TEXT NOT NULL DEFAULT 'always'`.execute(db);
    },
  },
  {
    version: 11,
    name: 'images built per release',
    async up(db) {
      // JSON array of the image tags a release's build stage produced (services/image-build.ts):
      // prune removes exactly these when it removes the release, never another project's images.
      await sql`ALTER TABLE deployments ADD COLUMN built_images TEXT`.execute(db);
    },
  },
  {
    version: 12,
    name: 'compose inputs',
    async up(db) {
      // Several compose files, profiles and env files per project (services/compose-inputs.ts). A
      // project with one compose_file keeps it, as a list of one: the same deploy as before.
      await sql`ALTER TABLE projects ADD COLUMN compose_files TEXT NOT NULL DEFAULT '[]'`.execute(db);
      await sql`UPDATE projects SET compose_files = json_array(compose_file) WHERE compose_file IS NOT NULL`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN compose_profiles TEXT NOT NULL DEFAULT '[]'`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN env_files TEXT NOT NULL DEFAULT '[]'`.execute(db);
      // What each release ran with, so a rollback or recreate runs it with the same inputs.
      await sql`ALTER TABLE deployments ADD COLUMN compose_inputs TEXT`.execute(db);
    },
  },
  {
    version: 13,
    name: 'proxy strategy and project domains',
    async up(db) {
      // A third strategy, proxy (issue #18). SQLite cannot change a CHECK in place, and rebuilding
      // projects would need foreign keys off (deployments and more cascade from it), which cannot be
      // switched inside this transaction. So the column is replaced: the old one renamed, a new one
      // with the wider CHECK added and filled, the old one (its CHECK goes with it) dropped.
      await sql`ALTER TABLE projects RENAME COLUMN strategy TO strategy_before_proxy`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN strategy TEXT NOT NULL DEFAULT 'recreate' CHECK (strategy IN ('recreate', 'blue-green', 'proxy'))`.execute(db);
      await sql`UPDATE projects SET strategy = strategy_before_proxy`.execute(db);
      await sql`ALTER TABLE projects DROP COLUMN strategy_before_proxy`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN proxy_tls TEXT NOT NULL DEFAULT 'acme' CHECK (proxy_tls IN ('acme', 'internal'))`.execute(db);
      // One row per domain; UNIQUE (domain) makes the database itself refuse a domain two projects
      // would both answer, even when two \`project set\` race past the service's own check.
      await sql`CREATE TABLE project_domains (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        domain TEXT NOT NULL UNIQUE CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
        service TEXT NOT NULL CHECK (length(service) > 0),
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535)
      )`.execute(db);
      await sql`CREATE INDEX idx_project_domains_project ON project_domains(project_id)`.execute(db);
    },
  },
  {
    version: 14,
    name: 'webhooks',
    async up(db) {
      // Push-to-deploy (issue #19): the name of the variable (environment, or the project's
      // encrypted configuration) that holds the forge's webhook secret; never the secret itself.
      await sql`ALTER TABLE projects ADD COLUMN webhook_secret_env TEXT`.execute(db);
      // Every delivery the listener judged. The project is the name asked for (a 404 names none
      // of ours); never the body or a header that could carry the secret.
      await sql`CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at INTEGER NOT NULL,
        project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        project TEXT NOT NULL,
        forge TEXT,
        event TEXT NOT NULL DEFAULT '',
        ref TEXT NOT NULL DEFAULT '',
        delivery_id TEXT NOT NULL DEFAULT '',
        remote TEXT NOT NULL,
        status INTEGER NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('accepted', 'rejected', 'ignored')),
        reason TEXT NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX idx_webhook_deliveries_replay ON webhook_deliveries(forge, delivery_id, received_at)`.execute(db);
      await sql`CREATE INDEX idx_webhook_deliveries_project ON webhook_deliveries(project, received_at)`.execute(db);
    },
  },
  {
    version: 15,
    name: 'swarm target',
    async up(db) {
      // Issue #20: where a project runs (compose on this engine, or a Docker Swarm stack) and the
      // registry its built images are pushed to for the swarm's nodes (null: local images, one node).
      await sql`ALTER TABLE projects ADD COLUMN target TEXT NOT NULL DEFAULT 'compose' CHECK (target IN ('compose', 'swarm'))`.execute(db);
      await sql`ALTER TABLE projects ADD COLUMN registry TEXT`.execute(db);
      // Each release remembers where it ran: a project may move between targets, its history not.
      await sql`ALTER TABLE deployments ADD COLUMN target TEXT NOT NULL DEFAULT 'compose'`.execute(db);
    },
  },
];

export async function migrate(db: Kysely<Database>, migrations: Migration[] = MIGRATIONS): Promise<number> {
  const latest = Math.max(...migrations.map((m) => m.version));
  await sql`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`.execute(db);
  if ((await appliedVersion(db)) >= latest) return latest;
  // Several processes may open a fresh (or older) state file at once: the first takes the write
  // lock and migrates; the others wait for it, then find nothing left to apply.
  await writeTransaction(db, async (trx) => {
    const current = await appliedVersion(trx);
    for (const m of migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version)) {
      await m.up(trx);
      await sql`INSERT INTO schema_version (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`.execute(trx);
    }
  });
  return latest;
}

async function appliedVersion(db: Kysely<Database>): Promise<number> {
  const row = await sql<{ v: number | null }>`SELECT max(version) AS v FROM schema_version`.execute(db);
  return row.rows[0]?.v ?? 0;
}
