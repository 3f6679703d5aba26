/**
 * Pure validators for agent secrets: Buildkite cluster secret keys, job environment variable names,
 * pipeline slugs, branch patterns, step keys and secret values. Each returns a list of problems
 * (empty when valid); callers prefix the arg path in brackets and throw once.
 */

/**
 * The three ways a job can receive its secrets. The same values as the pipeline model's
 * `SecretsBackend`, declared again on purpose: the cross-language schema names an enum after its
 * declaration, and the `AgentSecrets` args publish it as `AgentSecretsBackend`.
 */
export const AgentSecretsBackend = {
  /** Buildkite cluster secrets, read by each step's `secrets:` attribute. */
  Buildkite: "buildkite",
  /** AWS Secrets Manager plus a generated agent `environment` hook. */
  Hook: "hook",
  /** The Elastic CI Stack's S3 secrets bucket. */
  ElasticStack: "elastic-stack",
} as const;
export type AgentSecretsBackend = (typeof AgentSecretsBackend)[keyof typeof AgentSecretsBackend];
/** The backends in declaration order (for messages and iteration). */
export const AGENT_SECRETS_BACKENDS: readonly AgentSecretsBackend[] = Object.values(AgentSecretsBackend);

/** Buildkite cluster secret key syntax (provider and API rule). */
export const CLUSTER_SECRET_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Longest cluster secret key Buildkite accepts. */
export const CLUSTER_SECRET_KEY_MAX_LENGTH = 255;
/** Prefixes Buildkite reserves for secret keys and custom secret env names (any case). */
export const RESERVED_PREFIXES = ["buildkite", "bk"] as const;

/** Buildkite secret values must be LESS than 8 KB (REST API; the provider rejects > 8192). */
export const CLUSTER_SECRET_VALUE_MAX_BYTES = 8191;
/** AWS Secrets Manager `SecretString` limit, and the agent's redaction limit for S3 secrets. */
export const AWS_SECRET_VALUE_MAX_BYTES = 65536;

/** Shell-safe environment variable name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Pipeline slugs as Buildkite generates them (lower case, digits, `-`; `_` tolerated). */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

function quote(value: string): string {
  return JSON.stringify(value);
}

function reservedPrefix(value: string): string | undefined {
  const lower = value.toLowerCase();
  return RESERVED_PREFIXES.find((p) => lower.startsWith(p));
}

/** Problems with a Buildkite cluster secret key; empty when valid. */
export function validateClusterSecretKey(key: string): string[] {
  const problems: string[] = [];
  if (!CLUSTER_SECRET_KEY_PATTERN.test(key)) {
    problems.push(
      `must start with a letter and contain only letters, digits and "_" (value: ${quote(key)})`,
    );
  }
  const prefix = reservedPrefix(key);
  if (prefix !== undefined) {
    problems.push(`must not start with the reserved prefix "${prefix}" in any case (value: ${quote(key)})`);
  }
  if (key.length > CLUSTER_SECRET_KEY_MAX_LENGTH) {
    problems.push(`must be at most ${CLUSTER_SECRET_KEY_MAX_LENGTH} characters (got ${key.length})`);
  }
  return problems;
}

/**
 * Problems with a job environment variable name. Names must be shell identifiers and, like
 * Buildkite's custom secret env names, must not start with `BUILDKITE` or `BK` (the agent's own).
 */
export function validateEnvName(name: string): string[] {
  const problems: string[] = [];
  if (!ENV_NAME_PATTERN.test(name)) {
    problems.push(`must be a shell variable name matching ${ENV_NAME_PATTERN.source} (value: ${quote(name)})`);
  }
  const prefix = reservedPrefix(name);
  if (prefix !== undefined) {
    problems.push(`must not start with "${prefix}" in any case: the agent reserves it (value: ${quote(name)})`);
  }
  return problems;
}

/** Problems with a pipeline slug. */
export function validateSlug(slug: string): string[] {
  return SLUG_PATTERN.test(slug)
    ? []
    : [`must be a Buildkite pipeline slug matching ${SLUG_PATTERN.source} (value: ${quote(slug)})`];
}

/** Characters git forbids in branch names (so they cannot be meant literally) besides `*`. */
const FORBIDDEN_BRANCH_CHARS = /[\s?[\\~^:\u0000-\u001f\u007f]/;

/**
 * Problems with a branch pattern. `*` is the only wildcard (it matches any run of characters,
 * `/` included); the characters git forbids in branch names are rejected so a pattern means the
 * same thing in a Buildkite access policy and in a generated shell script.
 */
export function validateBranchPattern(branch: string): string[] {
  if (branch.length === 0) return ["must not be empty"];
  return FORBIDDEN_BRANCH_CHARS.test(branch)
    ? [`must not contain whitespace, control characters or any of ? [ \\ ~ ^ : (value: ${quote(branch)})`]
    : [];
}

/** Problems with a step key (matched literally). */
export function validateStepKey(key: string): string[] {
  if (key.length === 0) return ["must not be empty"];
  return /[\u0000-\u001f\u007f]/.test(key) ? [`must not contain control characters (value: ${quote(key)})`] : [];
}

/** Byte limit for one secret value in a backend. */
export function maxValueBytes(backend: AgentSecretsBackend): number {
  switch (backend) {
    case "buildkite":
      return CLUSTER_SECRET_VALUE_MAX_BYTES;
    case "hook":
    case "elastic-stack":
      return AWS_SECRET_VALUE_MAX_BYTES;
    default: {
      const never: never = backend;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}

/**
 * Problems with a secret value. Messages never include the value itself, only its size.
 */
export function validateSecretValue(value: string, backend: AgentSecretsBackend): string[] {
  const problems: string[] = [];
  if (value.length === 0) problems.push("must not be empty");
  if (value.includes("\u0000")) problems.push("must not contain NUL characters (a shell cannot hold them)");
  const bytes = Buffer.byteLength(value, "utf8");
  const max = maxValueBytes(backend);
  if (bytes > max) {
    problems.push(
      backend === "buildkite"
        ? `must be less than 8 KB for a Buildkite secret (got ${bytes} bytes, limit ${max})`
        : `must be at most ${max} bytes (got ${bytes} bytes)`,
    );
  }
  return problems;
}

/** Format problems for one arg path: `[path] problem`. */
export function atPath(path: string, problems: string[]): string[] {
  return problems.map((p) => `[${path}] ${p}`);
}
