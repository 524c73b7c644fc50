/**
 * The environment of the agent's shell: an allow-list of harmless variables from the parent, a private
 * HOME, and explicit extras — never credentials. The agent never holds forge tokens or model API keys
 * (DESIGN §8 "safe outputs"): names that look like secrets are dropped even when passed as extras.
 */

/** Variables copied from the parent environment when present. */
export const ENV_ALLOW_LIST: readonly string[] = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TERM',
  'TZ',
  'CI',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
];

/** Names treated as secrets: `*_TOKEN`, `*_SECRET`, `*_KEY`, passwords, credentials and known vendors. */
const SECRET_NAME =
  /(?:TOKEN|SECRET|_KEY|^KEY(?:_|$)|APIKEY|PASSWORD|PASSWD|CREDENTIAL|(?:^|_)AUTH(?:_|$)|COOKIE|PRIVATE)|^(?:AWS_|GITHUB_|GH_|GITLAB_|GL_|ANTHROPIC_|OPENAI_|JIRA_|SSH_AUTH_SOCK$)/i;

/** True when a variable name looks like it holds a secret. */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Builds the child environment: allow-listed parent variables, then `extras` (secret-looking names
 * dropped), then fixed values (`HOME`, `GIT_TERMINAL_PROMPT=0` so git never prompts for credentials).
 * Returns the environment and the names of dropped extras (for a log line, never their values).
 */
export function buildToolEnv(options: {
  readonly parent: NodeJS.ProcessEnv;
  readonly home: string;
  readonly extras?: Readonly<Record<string, string>>;
}): { env: Record<string, string>; dropped: string[] } {
  const env: Record<string, string> = {};
  for (const name of ENV_ALLOW_LIST) {
    const value = options.parent[name];
    if (value !== undefined) env[name] = value;
  }
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(options.extras ?? {})) {
    if (isSecretEnvName(name)) dropped.push(name);
    else env[name] = value;
  }
  env.HOME = options.home;
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_ASKPASS = '/bin/false';
  env.SSH_ASKPASS = '/bin/false';
  if (env.PATH === undefined) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  return { env, dropped };
}
