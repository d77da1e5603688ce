import { OtterError } from '../services/errors.js';

/**
 * A secret piped in (`--stdin`, `--password-stdin`): never in our arguments or shell history. The
 * whole of stdin without one final newline, so `echo "$X" |` and `printf %s "$X" |` both work.
 */
export async function readSecretFromStdin(flag: string, example: string): Promise<string> {
  if (process.stdin.isTTY) throw new OtterError('usage', `${flag} reads a pipe, not a terminal: ${example}`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
