import path from 'node:path';
import fs from 'node:fs';
import { invokerOf } from './invoker.js';
import { openDatabase, openReadOnlySnapshot } from '../db/connection.js';
import { createStore, readMeta, type Store } from '../db/index.js';
import { Compose, detectCompose } from './commands/compose.js';
import { DockerEngine, type ContainerInfo } from './commands/engine.js';
import { SwarmCommands } from './commands/swarm.js';
import { exec as defaultExec, type Exec } from './commands/exec.js';
import { Git } from './commands/git.js';
import { DataPaths, defaultDataDir } from './paths.js';
import { SettingsStore, type Settings } from './settings.js';
import { rememberSecretEnv } from './redact.js';
import { SecretBox } from './secret-box.js';
import { OwnDockerConfig } from './docker-config.js';

/** Everything a service needs, built once per process and shared by the TUI and the CLI. */
export interface ServiceContext {
  paths: DataPaths;
  settings: SettingsStore;
  store: Store;
  git: Git;
  engine: DockerEngine;
  /** Swarm state, stacks and services (issue #20), with the same registry logins as `engine`. */
  swarm: SwarmCommands;
  /** OtterStack's own Docker config dir (registry logins), used by `engine` and `compose()` only. */
  dockerConfig: OwnDockerConfig;
  /** Why the data dir cannot be written (e.g. `EROFS`), or null: then only read commands work. */
  readOnly: string | null;
  /** Encrypts and decrypts project configuration with <data-dir>/secret.key. */
  secrets: SecretBox;
  /** This installation's id, labelled on every release it starts. */
  instanceId: string;
  /** Who runs this process ("alice from 203.0.113.7"): recorded on every operation (invoker.ts). */
  invokedBy: string;
  /** Every release container of this installation, in one engine call. */
  ownContainers(): Promise<ContainerInfo[]>;
  /** Detected lazily (and once): not every command needs compose. */
  compose(): Promise<Compose>;
  /** Tracks work that must not delay the caller but should finish before the process exits. */
  background(work: Promise<unknown>): void;
  /** Waits (bounded) for background work, then closes the database. */
  close(): Promise<void>;
}

export interface ContextOptions {
  dataDir?: string;
  /** Fail at once on an invalid setting (file, environment, flag); off only for `config` itself, so a bad value can be fixed. */
  checkSettings?: boolean;
  settings?: Partial<Settings>;
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
}

export async function openContext(opts: ContextOptions = {}): Promise<ServiceContext> {
  const paths = new DataPaths(opts.dataDir ?? defaultDataDir());
  // A data dir we may not write (read-only mount, someone else's) still answers read commands.
  const readOnly = unwritableReason(paths.root);
  if (!readOnly) paths.ensure();
  const settings = new SettingsStore(paths.root, opts.env ?? process.env, opts.settings);
  // Secret-named variables of the caller's environment reach compose through interpolation.
  rememberSecretEnv(opts.env ?? process.env);
  if (opts.checkSettings ?? true) settings.validate();
  const { db, close } = readOnly ? await openReadOnlySnapshot(paths.database) : await openDatabase(paths.database);
  const run = opts.exec ?? defaultExec;
  const instanceId = (await readMeta(db, 'instance_id'))!;
  // Docker and compose see our registry logins (DOCKER_CONFIG); git never needs them.
  const dockerConfig = new OwnDockerConfig(paths.dockerConfigDir, opts.env ?? process.env);
  const dockerRun = dockerConfig.exec(run);
  const engine = new DockerEngine(dockerRun);
  let compose: Promise<Compose> | null = null;
  const pending = new Set<Promise<unknown>>();
  return {
    paths,
    readOnly,
    secrets: new SecretBox(paths.secretKey),
    settings,
    store: createStore(db),
    git: new Git(run),
    engine,
    swarm: new SwarmCommands(dockerRun),
    dockerConfig,
    instanceId,
    invokedBy: invokerOf(opts.env ?? process.env),
    ownContainers: () => engine.listContainers(undefined, instanceId),
    compose() {
      // Detection looks for the plugin where the docker it runs will: in our config dir once it is in use.
      compose ??= detectCompose(dockerRun, settings.get('composeCommand'), opts.exec ? null : path.join(paths.root, 'compose-cli.json'), { ...process.env, ...dockerConfig.env() }).then((cli) => new Compose(cli, dockerRun));
      // A failed detection is not cached: the operator may install compose and retry in the TUI.
      compose.catch(() => (compose = null));
      return compose;
    },
    background(work) {
      const tracked = work.catch(() => undefined).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async close() {
      // A notification backend that hangs must not hold the process: 5 s, then it stays queued.
      await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await close();
    },
  };
}

/** The error code that stops us writing an existing data dir, or null (also when it does not exist yet). */
function unwritableReason(root: string): string | null {
  try {
    fs.accessSync(root, fs.constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
    return code === 'ENOENT' ? null : code;
  }
}
