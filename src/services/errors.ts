/**
 * Every failure a service reports is an OtterError: a one-line message that says what was
 * wrong and what to do, plus a kind that the CLI maps to an exit code.
 */
export type ErrorKind =
  | 'usage' // bad input from the operator
  | 'not_found' // project, ref, release or file does not exist
  | 'conflict' // lock held, already exists
  | 'environment' // docker/git missing or broken
  | 'deploy_failed' // the release did not become healthy
  | 'interrupted' // SIGINT/SIGTERM
  | 'internal';

export const EXIT_CODES: Record<ErrorKind, number> = {
  internal: 1,
  usage: 2,
  not_found: 3,
  conflict: 4,
  environment: 5,
  deploy_failed: 6,
  interrupted: 130,
};

export class OtterError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OtterError';
  }
}

export function toOtterError(err: unknown): OtterError {
  if (err instanceof OtterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OtterError('internal', firstLine(message));
}

export function firstLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? '';
}
