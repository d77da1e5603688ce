import type { Project } from '../../db/schema.js';
import type { ServiceContext } from '../context.js';
import { OtterError } from '../errors.js';
import { rememberSecretValues } from '../redact.js';

/** A variable name, as --webhook-secret-env takes it (the secret itself never goes on a command line). */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function validateSecretEnvName(name: string): string {
  if (!VAR_NAME.test(name)) {
    throw new OtterError('usage', `invalid --webhook-secret-env ${JSON.stringify(name)}: give the NAME of the variable that holds the secret (environment of otterstack watch, or the project's configuration: otterstack env set PROJECT NAME=…), not the secret`);
  }
  return name;
}

/**
 * The project's webhook secret: the watch process's environment variable, else the project's
 * encrypted configuration variable of that name; '' when neither holds one (every delivery is then
 * rejected). Remembered for masking, so it can never be printed or logged.
 */
export async function webhookSecret(ctx: ServiceContext, project: Project, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const name = project.webhook_secret_env;
  if (!name) return '';
  let value = env[name] ?? '';
  if (!value) {
    const { loadConfig } = await import('../project-env.js');
    value = (await loadConfig(ctx, project)).config.vars[name]?.value ?? '';
  }
  if (value) rememberSecretValues([value]);
  return value;
}
