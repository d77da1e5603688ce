/**
 * Names of a project's shared services on the engine (docs/stateful-services.md). A module of its
 * own, without the yaml parser, because status and the TUI need only these.
 */
export const SHARED_HASH_LABEL = 'io.otterstack.shared-hash';
/** The key of the per-project network in generated overrides. */
export const SHARED_NETWORK_KEY = 'otterstack-shared';

export function sharedComposeProject(project: string): string {
  return `otterstack-${project}-shared`;
}

export function sharedNetworkName(project: string): string {
  return `otterstack-${project}-net`;
}
