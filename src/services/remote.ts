import { OtterError } from './errors.js';
import { rememberSecretValues, stripUrlUserinfo } from './redact.js';

/**
 * Remote repository URLs: what we accept, how we show them, and how git's failures read to an
 * operator. Pure; unit-tested.
 */
export interface RemoteUrl {
  /** The URL without userinfo: the only form that is stored, logged or shown. */
  sanitized: string;
  kind: 'https' | 'http' | 'ssh' | 'git';
  /** Userinfo given in an http(s) URL, used once for the clone through the environment, never stored. */
  credentials: { username: string; password: string } | null;
  /** The URL itself carried a password: readable by every local user in process arguments. */
  passwordInUrl: boolean;
}

/** What git is told as the user when only a token is given: GitHub, GitLab and Gitea accept it for tokens. */
export const TOKEN_USERNAME = 'x-access-token';

/**
 * A password (token) given apart from the URL (--password-stdin, $OTTERSTACK_GIT_PASSWORD) joins the
 * URL's user. Only http(s) carries one; given twice, it is refused rather than guessed.
 */
export function withPassword(remote: RemoteUrl, password: string | undefined): RemoteUrl {
  if (password === undefined) return remote;
  if (remote.kind !== 'https' && remote.kind !== 'http') throw new OtterError('usage', `a password is only used with https:// URLs, not ${remote.kind}: for ssh load a key (ssh-add)`);
  if (remote.passwordInUrl) throw new OtterError('usage', 'a password was given twice (in the URL and apart from it): remove it from the URL');
  if (password === '') throw new OtterError('usage', 'the password given is empty: pipe the token, e.g. printf %s "$TOKEN" | otterstack project add ... --password-stdin');
  rememberSecretValues([password]);
  return { ...remote, credentials: { username: remote.credentials?.username || TOKEN_USERNAME, password } };
}

const SCP_LIKE = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)([A-Za-z0-9._~\/-]+)$/;

export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || SCP_LIKE.test(repo);
}

export function parseRemoteUrl(raw: string): RemoteUrl {
  const bad = (why: string) =>
    new OtterError('usage', `invalid repository URL ${JSON.stringify(stripUrlUserinfo(raw))}: ${why}`);
  if (raw.startsWith('-') || /[\s\0]/.test(raw)) throw bad('no leading "-" or whitespace');
  const scp = SCP_LIKE.exec(raw);
  if (scp) {
    if (scp[3]!.includes('..')) throw bad("no '..' in the path");
    if (scp[1]?.startsWith('-') || scp[2]!.startsWith('-')) throw bad('a user or host may not start with "-" (ssh would take it as an option)');
    return { sanitized: raw, kind: 'ssh', credentials: null, passwordInUrl: false };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('use https://host/owner/repo.git, ssh://git@host/owner/repo.git or git@host:owner/repo.git');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['https', 'http', 'ssh', 'git'].includes(scheme)) throw bad(`scheme ${scheme}: is not supported (https, http, ssh, git)`);
  if (!url.hostname) throw bad('no host');
  // ssh://-oProxyCommand=…/x would reach ssh as an option; git refuses it too, but it is bad input here.
  if (url.hostname.startsWith('-') || decodeURIComponent(url.username).startsWith('-')) throw bad('a user or host may not start with "-" (ssh would take it as an option)');
  let credentials: RemoteUrl['credentials'] = null;
  if (url.username || url.password) {
    if (scheme === 'https' || scheme === 'http') {
      credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url.username = '';
      url.password = '';
    } else if (url.password) {
      throw bad('a password in an ssh URL is not supported: use keys');
    }
  }
  // ssh://git@host keeps its user (it is not a secret); http userinfo never survives.
  const sanitized = scheme === 'ssh' ? url.toString() : stripUrlUserinfo(url.toString());
  return { sanitized, kind: scheme as RemoteUrl['kind'], credentials, passwordInUrl: Boolean(credentials?.password) };
}


/** Turns git's stderr after a failed clone/fetch/ls-remote into one line that says what to do. */
export function explainGitFailure(stderr: string, url: string, timedOut: boolean, timeoutSeconds: number): string {
  const where = stripUrlUserinfo(url);
  if (timedOut) return `${where} did not answer within ${timeoutSeconds}s: check the host and network, or raise the timeout`;
  const s = stderr;
  if (/Permission denied \(publickey|Permission denied, please try again/i.test(s))
    return `SSH key rejected by ${where}: load a key the server accepts into your agent (ssh-add) or set GIT_SSH_COMMAND='ssh -i KEY'`;
  if (/Host key verification failed/i.test(s)) return `unknown SSH host key for ${where}: connect once with ssh to verify and accept it`;
  if (/Could not resolve host|Name or service not known|nodename nor servname/i.test(s)) return `host of ${where} not found: check the URL`;
  if (/Connection refused|Connection timed out|No route to host|Network is unreachable|unable to connect|Failed to connect/i.test(s))
    return `cannot reach ${where}: check that the server is up and the port is right`;
  if (/could not read Username|Authentication failed|terminal prompts disabled|401|403/i.test(s))
    return `authentication required by ${where}: configure a git credential helper (git config --global credential.helper ...) or use an SSH URL`;
  if (/Repository not found|does not appear to be a git repository|not found|No such file or directory|not exported/i.test(s))
    return `repository ${where} not found: check the URL and your access to it`;
  const last = s.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? 'unknown error';
  return `git failed for ${where}: ${stripUrlUserinfo(last.replace(/^fatal: /, ''))}`;
}
