/**
 * Resource wiring of `AgentSecrets`, one function per backend. These DO create resources: the
 * caller passes the component's `name` and child `opts` (`{ parent }`); pure rendering lives in
 * the sibling modules.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as buildkite from "@pulumiverse/buildkite";
import type { AgentSecretsArgs, AgentSecretsPipeline } from "../agent-secrets";
import { clusterSecretKey } from "../naming";
import { secretAccessPolicy } from "./access-policy";
import { DEFAULT_HOOK_NAME_PREFIX, DEFAULT_HOOK_OBJECT_KEY, checkedClusterUuid, checkedSecret, hookSecretName } from "./args";
import { elasticStackEnvKey, renderElasticStackEnvFile } from "./env-file";
import { arnPartition, arnRegion, renderEnvironmentHook } from "./hook-script";
import { asPolicyDocument, secretsReadPolicy } from "./iam";
import type { AgentSecretsBackend } from "./validation";

/** slug -> env name -> T */
export type ByPipeline<T> = Record<string, Record<string, T>>;
/** Arg path of one value, for error messages: `pipelines[i].values.ENV`. */
export type ValuePath = (p: AgentSecretsPipeline, envName: string) => string;

/**
 * {@link checkedSecret}, except that a plain string, which validateAgentSecretsArgs has checked for
 * the same backend already, is only made a secret (no `apply` to check it again).
 */
function secretValue(value: pulumi.Input<string>, backend: AgentSecretsBackend, path: string): pulumi.Output<string> {
  return typeof value === "string" ? pulumi.secret(value) : checkedSecret(value, backend, path);
}

/**
 * {@link secretValue}, once per distinct Output or Promise: a stack hands the same Docker Hub
 * credentials to every pipeline, and each such value is then checked (and made a secret) once, its
 * error naming the first pipeline that uses it, instead of once per pipeline.
 */
function secretValues(backend: AgentSecretsBackend): (value: pulumi.Input<string>, path: string) => pulumi.Output<string> {
  const checked = new Map<object, pulumi.Output<string>>();
  return (value, path) => {
    if (typeof value !== "object" || value === null) return secretValue(value, backend, path);
    let out = checked.get(value);
    if (out === undefined) {
      out = secretValue(value, backend, path);
      checked.set(value, out);
    }
    return out;
  };
}

/** `buildkite`: one ClusterSecret per pipeline and value. Returns slug -> env name -> key. */
export function createClusterSecrets(
  name: string,
  block: NonNullable<AgentSecretsArgs["buildkite"]>,
  pipelines: AgentSecretsPipeline[],
  valuePath: ValuePath,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<ByPipeline<string>> {
  // A plain UUID was checked by validateAgentSecretsArgs already: pass it on as it is.
  const clusterId = typeof block.clusterUuid === "string" ? block.clusterUuid : checkedClusterUuid(block.clusterUuid);
  const keys: ByPipeline<string> = {};
  const secretOf = secretValues("buildkite");
  for (const p of pipelines) {
    const policy = secretAccessPolicy({ pipelineSlugs: [p.slug], branches: p.branches });
    keys[p.slug] = {};
    for (const [envName, value] of Object.entries(p.values)) {
      const key = clusterSecretKey(envName, p.slug);
      new buildkite.cluster.ClusterSecret(
        `${name}-${p.slug}-${envName}`,
        {
          clusterId,
          key,
          value: secretOf(value, valuePath(p, envName)),
          description: `${envName} for Buildkite pipeline ${p.slug} (managed by depot-buildkite)`,
          policy,
        },
        opts,
      );
      keys[p.slug][envName] = key;
    }
  }
  return pulumi.output(keys);
}

export interface HookResources {
  secretArns: pulumi.Output<ByPipeline<string>>;
  hookScript: pulumi.Output<string>;
  readPolicyArn: pulumi.Output<string> | undefined;
}

/**
 * `hook`: a Secrets Manager secret + version per pipeline and value, the rendered hook (optionally
 * uploaded), and the read policy (optionally attached).
 */
export function createHookSecrets(
  name: string,
  hook: NonNullable<AgentSecretsArgs["hook"]>,
  pipelines: AgentSecretsPipeline[],
  valuePath: ValuePath,
  opts: pulumi.CustomResourceOptions,
): HookResources {
  const prefix = hook.namePrefix ?? DEFAULT_HOOK_NAME_PREFIX;
  const arns: ByPipeline<pulumi.Output<string>> = {};
  const secretOf = secretValues("hook");
  for (const p of pipelines) {
    arns[p.slug] = {};
    for (const [envName, value] of Object.entries(p.values)) {
      const child = `${name}-${p.slug}-${envName}`;
      const secret = new aws.secretsmanager.Secret(
        child,
        {
          name: hookSecretName(prefix, p.slug, envName),
          description: `${envName} for Buildkite pipeline ${p.slug}, read by the agent environment hook (depot-buildkite)`,
          kmsKeyId: hook.kmsKeyId,
          region: hook.region,
        },
        opts,
      );
      new aws.secretsmanager.SecretVersion(
        `${child}-version`,
        { secretId: secret.arn, secretString: secretOf(value, valuePath(p, envName)), region: hook.region },
        opts,
      );
      arns[p.slug][envName] = secret.arn;
    }
  }
  const secretArns: pulumi.Output<ByPipeline<string>> = pulumi.output(arns);

  // Rendered from ARNs only: the script holds no values, so it is not a secret.
  const hookScript = secretArns.apply((resolved) =>
    renderEnvironmentHook(
      pipelines.map((p) => ({
        slug: p.slug,
        branches: p.branches,
        stepKeys: p.stepKeys,
        secrets: Object.keys(p.values).map((envName) => ({
          envName,
          secretId: resolved[p.slug][envName],
          region: hook.region,
        })),
      })),
    ),
  );

  const objectKey = hook.upload ? (hook.upload.key ?? DEFAULT_HOOK_OBJECT_KEY) : undefined;
  if (hook.upload) {
    new aws.s3.BucketObjectv2(
      `${name}-hook`,
      {
        bucket: hook.upload.bucket,
        key: objectKey,
        content: hookScript,
        contentType: "text/x-shellscript; charset=utf-8",
        serverSideEncryption: "AES256",
      },
      opts,
    );
  }

  const allArns = pipelines.flatMap((p) => Object.values(arns[p.slug]));
  if (allArns.length === 0) return { secretArns, hookScript, readPolicyArn: undefined };

  const partition = aws.getPartitionOutput({}, { parent: opts.parent });
  const document = pulumi
    .all([pulumi.all(allArns), partition.dnsSuffix, hook.kmsKeyId, hook.upload?.bucket])
    .apply(([resolvedArns, dnsSuffix, kmsKeyId, bucket]) => {
      const first = resolvedArns[0];
      const region = arnRegion(first) ?? hook.region ?? "";
      const part = arnPartition(first) ?? "aws";
      const doc = secretsReadPolicy({
        secretArns: resolvedArns,
        kms: kmsKeyId ? { keyArn: kmsKeyId, viaService: `secretsmanager.${region}.${dnsSuffix}` } : undefined,
        hookObjectArn: bucket !== undefined ? `arn:${part}:s3:::${bucket}/${objectKey}` : undefined,
      });
      return JSON.stringify(asPolicyDocument(doc));
    });
  const policy = new aws.iam.Policy(
    `${name}-read-policy`,
    { description: "Read the Buildkite agent secrets of depot-buildkite (AgentSecrets, hook backend)", policy: document },
    opts,
  );
  if (hook.agentRoleName === undefined) return { secretArns, hookScript, readPolicyArn: policy.arn };
  const attachment = new aws.iam.RolePolicyAttachment(
    `${name}-read-policy-attachment`,
    { role: hook.agentRoleName, policyArn: policy.arn },
    opts,
  );
  // An output of the attachment resolves only once the policy is attached.
  return { secretArns, hookScript, readPolicyArn: attachment.policyArn };
}

/** `elastic-stack`: one `{slug}/env` object per pipeline. Returns slug -> object key. */
export function createElasticStackEnvFiles(
  name: string,
  stack: NonNullable<AgentSecretsArgs["elasticStack"]>,
  pipelines: AgentSecretsPipeline[],
  valuePath: ValuePath,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<Record<string, string>> {
  const keys: Record<string, string> = {};
  const secretOf = secretValues("elastic-stack");
  for (const p of pipelines) {
    const values: Record<string, pulumi.Output<string>> = {};
    for (const [envName, value] of Object.entries(p.values)) {
      values[envName] = secretOf(value, valuePath(p, envName));
    }
    const content = pulumi
      .all(values)
      .apply((resolved) => renderElasticStackEnvFile({ slug: p.slug, branches: p.branches, stepKeys: p.stepKeys, values: resolved }));
    const key = elasticStackEnvKey(p.slug);
    new aws.s3.BucketObjectv2(
      `${name}-${p.slug}-env`,
      {
        bucket: stack.bucket,
        key,
        content: pulumi.secret(content),
        contentType: "text/plain; charset=utf-8",
        serverSideEncryption: "aws:kms",
        kmsKeyId: stack.kmsKeyId,
      },
      opts,
    );
    keys[p.slug] = key;
  }
  return pulumi.output(keys);
}
