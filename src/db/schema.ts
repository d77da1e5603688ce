import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps are integer milliseconds since the epoch (compact, sortable, index-friendly). */
export type EpochMs = number;

export type RepoType = 'local' | 'remote';
export type ProjectStatus = 'ready' | 'cloning' | 'clone_failed';
/** recreate: stop, then start; blue-green: beside the old release, through Traefik; proxy: through OtterStack's Caddy (project_domains). */
export type DeployStrategy = 'recreate' | 'blue-green' | 'proxy';
/** How the proxy gets a project's certificates: ACME (Let's Encrypt by default) or Caddy's internal CA (private hosts). */
export type ProxyTls = 'acme' | 'internal';

/** Where a project's releases run (issue #20): compose on this engine, or a Docker Swarm stack. */
export type DeployTarget = 'compose' | 'swarm';

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  repo_type: RepoType;
  /** Sanitised (no userinfo) remote URL; null for local projects. */
  repo_url: string | null;
  /** Local repository path, or the managed clone for remote projects. */
  repo_path: string;
  /** The first of compose_files (null: auto-detect), for readers that know only one file. */
  compose_file: string | null;
  /** JSON array of compose files relative to the checkout, in order ([] = auto-detect: compose.yaml > compose.yml > docker-compose.yaml > docker-compose.yml). */
  compose_files: Generated<string>;
  /** JSON array of compose profiles passed as --profile. */
  compose_profiles: Generated<string>;
  /** JSON array of env files relative to the checkout, merged in order into the release's one env file. */
  env_files: Generated<string>;
  worktree_retention: number | null;
  strategy: DeployStrategy;
  /** JSON array of relative bind-mount sources kept under <data>/shared/<project>/. */
  persistent_paths: string;
  /** JSON object: persistent path -> "uid:gid" its folder is created with. */
  persistent_owners: string;
  /** 1: writable bind mounts of paths not in the release are mapped to persistent folders automatically. */
  auto_persist: number;
  /** JSON array of services run once per project outside releases (x-otterstack.shared wins). */
  shared_services: Generated<string>;
  status: ProjectStatus;
  status_message: string | null;
  last_fetch_at: EpochMs | null;
  last_fetch_result: string | null;
  /** GitOps: the branch `watch` follows and deploys (null = off). */
  follow_branch: Generated<string | null>;
  /** GitOps: the last commit `watch` tried, so a failing commit is not retried in a loop. */
  gitops_last_sha: Generated<string | null>;
  /** Blue-green: the generation of the project's latest release (0: none yet; traefik-priority.ts). */
  traefik_generation: Generated<number>;
  /** Before each deploy: always | missing | never (services/image-pull.ts). */
  pull_policy: Generated<'always' | 'missing' | 'never'>;
  /** Proxy strategy: where the certificates of the project's domains come from. */
  proxy_tls: Generated<ProxyTls>;
  /** Push-to-deploy: the variable (environment or encrypted configuration) holding the webhook secret; null = no webhook. */
  webhook_secret_env: Generated<string | null>;
  /** compose (default) or swarm: `docker stack deploy` as stack otterstack-<project> (services/swarm/). */
  target: Generated<DeployTarget>;
  /** Swarm: the registry (host[:port][/path]) built images are pushed to; null = local images (one node only). */
  registry: Generated<string | null>;
  created_at: EpochMs;
  updated_at: EpochMs;
}

/**
 * One domain of a `proxy` project and where the proxy sends its requests: the container port of one
 * compose service. A domain belongs to at most one project (UNIQUE): two projects cannot both answer it.
 */
export interface ProjectDomainsTable {
  id: Generated<number>;
  project_id: number;
  /** Lowercase RFC 1123 host name (validateDomain in services/validation.ts), no wildcard. */
  domain: string;
  service: string;
  port: number;
}

export type DeploymentStatus = 'deploying' | 'active' | 'inactive' | 'failed' | 'rolled_back' | 'interrupted';
export const DEPLOYMENT_STATUSES: DeploymentStatus[] = ['deploying', 'active', 'inactive', 'failed', 'rolled_back', 'interrupted'];

export type DeploymentAction = 'deploy' | 'rollback';

export interface DeploymentsTable {
  id: Generated<number>;
  project_id: number;
  git_sha: string;
  git_ref: string | null;
  action: DeploymentAction;
  compose_project: string;
  worktree_path: string;
  status: DeploymentStatus;
  error_message: string | null;
  /** PID of the process running the deployment while it is `deploying`. */
  pid: number | null;
  previous_deployment_id: number | null;
  started_at: EpochMs;
  finished_at: EpochMs | null;
  /** The project configuration version the release ran with (null: none, or before versions existed). */
  config_version: number | null;
  /** JSON array of image tags the release's build stage made (null: it builds nothing). */
  built_images: Generated<string | null>;
  /** Beside the release itself, for history: "shared db replaced; post_deploy failed: …" (null: nothing). */
  notes: Generated<string | null>;
  /** Who started it ("alice from 203.0.113.7"); null before this was recorded. */
  invoked_by: Generated<string | null>;
  /** JSON of the compose inputs the release ran with (compose-inputs.ts); null before they were recorded. */
  compose_inputs: Generated<string | null>;
  /** Where the release ran: compose, or swarm (stack otterstack-<project>; its file is `<key>.stack.yaml`). */
  target: Generated<DeployTarget>;
}

/**
 * One version of a project's configuration (its variables): a full snapshot, encrypted
 * (SecretBox), so a release can be rolled back to the code AND config it ran with.
 */
export interface ConfigVersionsTable {
  id: Generated<number>;
  project_id: number;
  version: number;
  /** Encrypted JSON of ProjectConfig. */
  sealed: string;
  /** sha256 of the snapshot's canonical JSON keyed with the instance: equal configs compare equal. */
  digest: string;
  /** What changed, by name only: `+API_TOKEN ~DATABASE_URL -OLD_FLAG`. */
  changes: string;
  created_at: EpochMs;
}

export type OperationKind = 'clone' | 'fetch' | 'deploy' | 'rollback' | 'prune' | 'remove' | 'cleanup';
export type OperationStatus = 'running' | 'success' | 'failed' | 'interrupted';

export interface OperationLogsTable {
  id: Generated<number>;
  project_id: number | null;
  deployment_id: number | null;
  operation: OperationKind;
  status: OperationStatus;
  log_path: string;
  message: string | null;
  /** Who started it; null before this was recorded. */
  invoked_by: Generated<string | null>;
  started_at: EpochMs;
  finished_at: EpochMs | null;
}

export type NotificationKind = 'webhook' | 'slack' | 'discord' | 'email';

export interface NotificationTargetsTable {
  id: Generated<number>;
  project_id: number | null;
  kind: NotificationKind;
  url: string;
  secret_env: string | null;
  email_from: string | null;
  created_at: EpochMs;
}

export interface NotificationsTable {
  id: Generated<number>;
  project_id: number | null;
  target_id: number | null;
  event: string;
  payload: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: EpochMs;
  last_error: string | null;
  created_at: EpochMs;
  sent_at: EpochMs | null;
}

/** One delivery the webhook listener judged (#19): what it was and what became of it, never its body. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  received_at: EpochMs;
  project_id: number | null;
  /** The project name in the URL, as asked (truncated); unknown names are recorded too. */
  project: string;
  forge: 'github' | 'gitea' | 'gitlab' | null;
  event: string;
  ref: string;
  delivery_id: string;
  remote: string;
  status: number;
  result: 'accepted' | 'rejected' | 'ignored';
  reason: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  meta: MetaTable;
  projects: ProjectsTable;
  project_domains: ProjectDomainsTable;
  deployments: DeploymentsTable;
  operation_logs: OperationLogsTable;
  notification_targets: NotificationTargetsTable;
  notifications: NotificationsTable;
  config_versions: ConfigVersionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type NewWebhookDelivery = Insertable<WebhookDeliveriesTable>;

export type ConfigVersion = Selectable<ConfigVersionsTable>;

export type NotificationTarget = Selectable<NotificationTargetsTable>;
export type NotificationRow = Selectable<NotificationsTable>;

export type Project = Selectable<ProjectsTable>;
export type ProjectDomain = Selectable<ProjectDomainsTable>;
export type NewProject = Insertable<ProjectsTable>;
export type ProjectUpdate = Updateable<ProjectsTable>;
export type Deployment = Selectable<DeploymentsTable>;
export type NewDeployment = Insertable<DeploymentsTable>;
export type OperationLog = Selectable<OperationLogsTable>;
