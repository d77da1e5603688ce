import type { Kysely } from 'kysely';
import { ConfigVersionQueries } from './config-versions.js';
import { DeploymentQueries } from './deployments.js';
import { NotificationQueries } from './notifications.js';
import { OperationLogQueries } from './operation-logs.js';
import { ProjectQueries } from './projects.js';
import { ProjectDomainQueries } from './project-domains.js';
import type { Database } from './schema.js';
import { WebhookDeliveryQueries } from './webhook-deliveries.js';

export interface Store {
  db: Kysely<Database>;
  projects: ProjectQueries;
  projectDomains: ProjectDomainQueries;
  deployments: DeploymentQueries;
  operationLogs: OperationLogQueries;
  notifications: NotificationQueries;
  configVersions: ConfigVersionQueries;
  webhookDeliveries: WebhookDeliveryQueries;
}

export async function readMeta(db: Kysely<Database>, key: string): Promise<string | undefined> {
  return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

export function createStore(db: Kysely<Database>): Store {
  return {
    db,
    projects: new ProjectQueries(db),
    projectDomains: new ProjectDomainQueries(db),
    deployments: new DeploymentQueries(db),
    operationLogs: new OperationLogQueries(db),
    notifications: new NotificationQueries(db),
    configVersions: new ConfigVersionQueries(db),
    webhookDeliveries: new WebhookDeliveryQueries(db),
  };
}

export * from './schema.js';
export type { DomainRoute, HeldDomain } from './project-domains.js';
