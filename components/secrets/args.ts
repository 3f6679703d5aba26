/**
 * Validation of `AgentSecretsArgs` (pure apart from recognising `Output`s, which are skipped here
 * and checked inside `apply` by {@link checkedSecret} / {@link checkedClusterUuid}).
 */
import * as pulumi from "@pulumi/pulumi";
import type { AgentSecretsArgs, AgentSecretsPipeline } from "../agent-secrets";
import { ENV, clusterSecretKey } from "../naming";
import { validateRestrictions, elasticStackVariables } from "./env-file";
import { validateKmsKeyArn } from "./iam";
import {
  AGENT_SECRETS_BACKENDS,
  AgentSecretsBackend,
  atPath,
  validateBranchPattern,
  validateClusterSecretKey,
  validateEnvName,
  validateSecretValue,
  validateSlug,
  validateStepKey,
} from "./validation";

/** Default Secrets Manager name prefix of the `hook` backend. */
export const DEFAULT_HOOK_NAME_PREFIX = "buildkite/";
/** Default S3 key of the uploaded hook script. */
export const DEFAULT_HOOK_OBJECT_KEY = "buildkite-agent/hooks/environment";

/** Secrets Manager name charset and length. */
const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME_MAX_LENGTH = 512;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Secrets Manager secret name for one pipeline value: `${prefix}${slug}/${envName}`. */
export function hookSecretName(prefix: string, slug: string, envName: string): string {
  return `${prefix}${slug}/${envName}`;
}

/** Problems with a Buildkite cluster UUID; spots the GraphQL id (`Cluster.id`) by its shape. */
export function validateClusterUuid(value: string): string[] {
  if (UUID_PATTERN.test(value)) return [];
  const decoded = Buffer.from(value, "base64").toString("utf8");
  if (decoded.startsWith("Cluster---")) {
    return [`is a GraphQL id; pass the cluster UUID (cluster.uuid), not cluster.id (value: ${JSON.stringify(value)})`];
  }
  return [`must be a cluster UUID such as 01234567-89ab-cdef-0123-456789abcdef (value: ${JSON.stringify(value)})`];
}

/**
 * Refuse a `DEPOT_TOKEN` for pipelines that authenticate to Depot by OIDC: any token silently
 * wins over OIDC in the depot CLI.
 */
export function depotTokenForOidcProblems(pipelines: AgentSecretsPipeline[]): string[] {
  return pipelines.flatMap((p, i) =>
    p.depotAuth === "oidc" && Object.prototype.hasOwnProperty.call(p.values, ENV.depotToken)
      ? [
          `[pipelines[${i}].values.${ENV.depotToken}] pipeline "${p.slug}" uses Depot OIDC; a ${ENV.depotToken} ` +
            "would silently win over OIDC, so it must not be delivered",
        ]
      : [],
  );
}

/** Throwing form of {@link depotTokenForOidcProblems}, for callers outside the component. */
export function assertNoDepotTokenForOidc(pipelines: AgentSecretsPipeline[]): void {
  const problems = depotTokenForOidcProblems(pipelines);
  if (problems.length > 0) throw new Error(problems.join("; "));
}

function backendBlockProblems(args: AgentSecretsArgs): string[] {
  const problems: string[] = [];
  const blocks: Record<AgentSecretsBackend, string> = { buildkite: "buildkite", hook: "hook", "elastic-stack": "elasticStack" };
  for (const backend of AGENT_SECRETS_BACKENDS) {
    const block = blocks[backend];
    const given = args[block as keyof AgentSecretsArgs] !== undefined;
    if (backend === args.backend && !given) problems.push(`[${block}] is required with backend "${backend}"`);
    if (backend !== args.backend && given) {
      problems.push(`[${block}] is only used with backend "${backend}", but backend is "${args.backend}"; remove it`);
    }
  }
  return problems;
}

function pipelineProblems(args: AgentSecretsArgs, p: AgentSecretsPipeline, i: number): string[] {
  const at = `pipelines[${i}]`;
  const problems = atPath(`${at}.slug`, validateSlug(p.slug));
  problems.push(...validateRestrictions(`${at}.branches`, p.branches, validateBranchPattern));
  problems.push(...validateRestrictions(`${at}.stepKeys`, p.stepKeys, validateStepKey));
  const names = Object.keys(p.values);
  for (const n of names) {
    const envProblems = validateEnvName(n);
    problems.push(...atPath(`${at}.values.${n}`, envProblems));
    const value = p.values[n];
    if (typeof value === "string") problems.push(...atPath(`${at}.values.${n}`, validateSecretValue(value, args.backend)));
    if (envProblems.length > 0 || !slugValid(p.slug)) continue;
    if (args.backend === "buildkite") {
      problems.push(...atPath(`${at}.values.${n} (cluster secret key)`, validateClusterSecretKey(clusterSecretKey(n, p.slug))));
    }
    if (args.backend === "hook") {
      const secretName = hookSecretName(args.hook?.namePrefix ?? DEFAULT_HOOK_NAME_PREFIX, p.slug, n);
      if (secretName.length > SECRET_NAME_MAX_LENGTH) {
        problems.push(`[${at}.values.${n}] Secrets Manager name would exceed ${SECRET_NAME_MAX_LENGTH} characters`);
      }
    }
  }
  if (args.backend === "elastic-stack") {
    problems.push(...elasticStackVariables(names, `${at}.values`).problems);
  }
  return problems;
}

function slugValid(slug: string): boolean {
  return validateSlug(slug).length === 0;
}

/** Every problem with `args`, each naming its arg in brackets. Empty when valid. */
export function validateAgentSecretsArgs(args: AgentSecretsArgs): string[] {
  if (!(AGENT_SECRETS_BACKENDS as readonly string[]).includes(args.backend)) {
    return [`[backend] must be one of ${AGENT_SECRETS_BACKENDS.join(", ")} (value: ${JSON.stringify(args.backend)})`];
  }
  const problems = backendBlockProblems(args);
  const bySlug = new Map<string, number>();
  const byKeySuffix = new Map<string, number>();
  args.pipelines.forEach((p, i) => {
    problems.push(...pipelineProblems(args, p, i));
    const prior = bySlug.get(p.slug);
    if (prior !== undefined) problems.push(`[pipelines[${i}].slug] duplicates pipelines[${prior}] (value: "${p.slug}")`);
    bySlug.set(p.slug, i);
    // Cluster secret keys are built from the upper-cased slug: `web-app` and `web_app` collide.
    const suffix = clusterSecretKey("", p.slug);
    const clash = byKeySuffix.get(suffix);
    if (args.backend === "buildkite" && prior === undefined && clash !== undefined) {
      problems.push(
        `[pipelines[${i}].slug] "${p.slug}" and pipelines[${clash}] "${args.pipelines[clash].slug}" ` +
          "map to the same cluster secret keys",
      );
    }
    byKeySuffix.set(suffix, i);
  });
  problems.push(...depotTokenForOidcProblems(args.pipelines));

  if (args.backend === "buildkite" && typeof args.buildkite?.clusterUuid === "string") {
    problems.push(...atPath("buildkite.clusterUuid", validateClusterUuid(args.buildkite.clusterUuid)));
  }
  if (args.backend === "hook" && args.hook) {
    const prefix = args.hook.namePrefix ?? DEFAULT_HOOK_NAME_PREFIX;
    if (prefix !== "" && !SECRET_NAME_PATTERN.test(prefix)) {
      problems.push(`[hook.namePrefix] may only contain letters, digits and /_+=.@- (value: ${JSON.stringify(prefix)})`);
    }
    if (args.hook.region !== undefined && !/^[a-z0-9-]+$/.test(args.hook.region)) {
      problems.push(`[hook.region] must be an AWS region name (value: ${JSON.stringify(args.hook.region)})`);
    }
    if (typeof args.hook.kmsKeyId === "string") problems.push(...atPath("hook.kmsKeyId", validateKmsKeyArn(args.hook.kmsKeyId)));
    if (args.hook.upload?.key !== undefined && args.hook.upload.key.trim() === "") {
      problems.push("[hook.upload.key] must not be empty");
    }
  }
  if (args.backend === "elastic-stack" && args.elasticStack && args.elasticStack.bucket === "") {
    problems.push("[elasticStack.bucket] must not be empty");
  }
  return problems;
}

/**
 * Return `value` if it is a valid secret value for `backend`, else throw an error naming `path`
 * (never the value). Runs inside `apply` for Outputs.
 */
export function assertSecretValue(value: string, backend: AgentSecretsBackend, path: string): string {
  const problems = atPath(path, validateSecretValue(value, backend));
  if (problems.length > 0) throw new Error(`AgentSecrets: ${problems.join("; ")}`);
  return value;
}

/** Return `value` if it is a cluster UUID, else throw naming `[buildkite.clusterUuid]`. */
export function assertClusterUuid(value: string): string {
  const problems = atPath("buildkite.clusterUuid", validateClusterUuid(value));
  if (problems.length > 0) throw new Error(`AgentSecrets: ${problems.join("; ")}`);
  return value;
}

/** A secret value as a Pulumi secret, validated for `backend` once known (see {@link assertSecretValue}). */
export function checkedSecret(value: pulumi.Input<string>, backend: AgentSecretsBackend, path: string): pulumi.Output<string> {
  const check = (v: string) => assertSecretValue(v, backend, path);
  // An Output's own `apply` (no re-wrapping first): the same value, secrecy and resources.
  return pulumi.secret(pulumi.Output.isInstance(value) ? value.apply(check) : pulumi.output(value).apply(check));
}

/** The cluster UUID, validated once known (see {@link assertClusterUuid}). */
export function checkedClusterUuid(value: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.Output.isInstance(value) ? value.apply(assertClusterUuid) : pulumi.output(value).apply(assertClusterUuid);
}
