import * as pulumi from "@pulumi/pulumi";
import type { DepotAuthMode } from "./pipeline/model";
import { validateAgentSecretsArgs } from "./secrets/args";
import { ByPipeline, createClusterSecrets, createElasticStackEnvFiles, createHookSecrets } from "./secrets/resources";
import { AgentSecretsBackend } from "./secrets/validation";

/** One pipeline and the secret values its jobs receive. */
export interface AgentSecretsPipeline {
  /**
   * The pipeline slug, set explicitly on the pipeline: it scopes every secret (access policy,
   * hook match, S3 prefix), so renaming a pipeline must not change it.
   * @default (required)
   * @example "web-app"
   */
  slug: string;
  /**
   * Deliver only to builds of these branches (`*` is a wildcard matching any characters,
   * including `/`). `buildkite`: access policy `build_branch`; `hook` and `elastic-stack`: checked
   * against `BUILDKITE_BRANCH` by the agent. An empty list is refused.
   * @default every branch
   * @example ["main", "release/*"]
   */
  branches?: string[];
  /**
   * Deliver only to jobs of these step keys. `hook` and `elastic-stack`: checked against
   * `BUILDKITE_STEP_KEY` by the agent. `buildkite`: access policies have no step claim, so only the
   * steps carrying the `secrets:` attribute (see `jobSecretEnv`) read them. An empty list is refused.
   * @default every step
   * @example ["build"]
   */
  stepKeys?: string[];
  /**
   * Secret values keyed by job env name (`DEPOT_TOKEN`, `DOCKERHUB_USERNAME`, `DOCKERHUB_TOKEN`).
   * Each value is made a Pulumi secret if it is not one already. A pipeline with no values gets
   * no resources (e.g. Depot OIDC without Docker Hub).
   * @default (required)
   * @see ENV in components/naming.ts
   */
  values: Record<string, pulumi.Input<string>>;
  /**
   * How the pipeline authenticates to Depot. With `"oidc"` a `DEPOT_TOKEN` value is refused,
   * because any token silently wins over OIDC in the depot CLI.
   * @default undefined (not checked)
   */
  depotAuth?: DepotAuthMode;
}

/** Settings of the `buildkite` backend (Buildkite cluster secrets). */
export interface AgentSecretsBuildkiteArgs {
  /**
   * The cluster **UUID** (`cluster.uuid`), not the GraphQL id that `Pipeline.clusterId` takes.
   * @example "01234567-89ab-cdef-0123-456789abcdef"
   */
  clusterUuid: pulumi.Input<string>;
}

/** Where the `hook` backend uploads the rendered agent hook. */
export interface AgentSecretsHookUploadArgs {
  /** Bucket name the agents fetch their hooks from. */
  bucket: pulumi.Input<string>;
  /**
   * Object key of the hook.
   * @default "buildkite-agent/hooks/environment"
   */
  key?: string;
}

/** Settings of the `hook` backend (AWS Secrets Manager and a generated agent `environment` hook). */
export interface AgentSecretsHookArgs {
  /**
   * Prefix of the Secrets Manager names: `${namePrefix}${slug}/${ENV_NAME}`.
   * @default "buildkite/"
   */
  namePrefix?: string;
  /**
   * Region for the secrets (the hook reads each from the region in its ARN).
   * @default the AWS provider's region
   */
  region?: string;
  /**
   * KMS key **ARN** encrypting the secrets; the read policy grants `kms:Decrypt` on it through
   * Secrets Manager only.
   * @default the account's `aws/secretsmanager` key
   */
  kmsKeyId?: pulumi.Input<string>;
  /**
   * Upload the rendered hook to S3 (SSE-S3 encrypted; it holds no secret values), for agents
   * that fetch their hooks at boot. The read policy then also grants `s3:GetObject` on it.
   * @default not uploaded
   */
  upload?: AgentSecretsHookUploadArgs;
  /**
   * Agent IAM role name to attach the read policy to.
   * @default not attached (attach `readPolicyArn` yourself)
   */
  agentRoleName?: pulumi.Input<string>;
}

/** Settings of the `elastic-stack` backend (the Elastic CI Stack's S3 secrets bucket). */
export interface AgentSecretsElasticStackArgs {
  /** The stack's secrets bucket (`SecretsBucket` / `ManagedSecretsBucket`). */
  bucket: pulumi.Input<string>;
  /**
   * KMS key for the `aws:kms` server-side encryption of the env files; the stack's instance role
   * then needs `kms:Decrypt` on it.
   * @default the account's `aws/s3` key
   */
  kmsKeyId?: pulumi.Input<string>;
}

/** Arguments of `AgentSecrets`. */
export interface AgentSecretsArgs {
  /**
   * Where jobs get their secrets: `buildkite` (Buildkite cluster secrets read by each step's
   * `secrets:`), `hook` (AWS Secrets Manager + a generated agent `environment` hook) or
   * `elastic-stack` (the Elastic CI Stack's S3 secrets bucket).
   * @default (required)
   * @see docs/secrets.md for how to choose
   */
  backend: AgentSecretsBackend;
  /**
   * Pipelines and their values. Slugs must be unique.
   * @default (required)
   */
  pipelines: AgentSecretsPipeline[];
  /**
   * Settings of the `buildkite` backend. Required with (and only with) backend `buildkite`.
   * @default undefined
   */
  buildkite?: AgentSecretsBuildkiteArgs;
  /**
   * Settings of the `hook` backend. Required with (and only with) backend `hook`.
   * @default undefined
   */
  hook?: AgentSecretsHookArgs;
  /**
   * Settings of the `elastic-stack` backend. Required with (and only with) backend `elastic-stack`.
   * @default undefined
   */
  elasticStack?: AgentSecretsElasticStackArgs;
}

/**
 * Delivers secret values (`DEPOT_TOKEN`, Docker Hub credentials) to exactly the Buildkite jobs
 * that need them. Children, per backend, for each pipeline and value:
 * - `buildkite`: `buildkite.cluster.ClusterSecret` `${name}-${slug}-${ENV}` keyed
 *   `clusterSecretKey(ENV, slug)`, with an access policy admitting only that pipeline (and branches);
 * - `hook`: `aws.secretsmanager.Secret` `${name}-${slug}-${ENV}` + `SecretVersion` `...-version`;
 *   once: `aws.iam.Policy` `${name}-read-policy`, optional `RolePolicyAttachment`
 *   `${name}-read-policy-attachment` and `aws.s3.BucketObjectv2` `${name}-hook`;
 * - `elastic-stack` (per pipeline): `aws.s3.BucketObjectv2` `${name}-${slug}-env` at `{slug}/env`.
 */
export class AgentSecrets extends pulumi.ComponentResource {
  /** The backend in use. */
  public readonly backend: pulumi.Output<AgentSecretsBackend>;
  /** `buildkite`: slug -> env name -> cluster secret key (names only). */
  public readonly clusterSecretKeys: pulumi.Output<ByPipeline<string>>;
  /** `hook`: slug -> env name -> Secrets Manager ARN. */
  public readonly secretArns: pulumi.Output<ByPipeline<string>>;
  /** `elastic-stack`: slug -> S3 key of its env file. */
  public readonly objectKeys: pulumi.Output<Record<string, string>>;
  /** `hook`: the rendered agent `environment` hook (no secret values in it); otherwise `undefined`. */
  public readonly hookScript: pulumi.Output<string> | undefined;
  /**
   * `hook`: ARN of the read policy, resolving after it is attached to `agentRoleName`; `undefined`
   * for other backends and when no pipeline has values.
   */
  public readonly readPolicyArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: AgentSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:AgentSecrets", name, {}, opts);
    const problems = validateAgentSecretsArgs(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`AgentSecrets ${name}: ${problems.join("; ")}`, this);
    }
    this.backend = pulumi.output(args.backend);
    const pipelines = args.pipelines.filter((p) => Object.keys(p.values).length > 0);
    const children: pulumi.CustomResourceOptions = { parent: this };
    const valuePath = (p: AgentSecretsPipeline, envName: string) =>
      `pipelines[${args.pipelines.indexOf(p)}].values.${envName}`;
    this.clusterSecretKeys = pulumi.output<ByPipeline<string>>({});
    this.secretArns = pulumi.output<ByPipeline<string>>({});
    this.objectKeys = pulumi.output<Record<string, string>>({});
    this.hookScript = undefined;
    this.readPolicyArn = undefined;

    switch (args.backend) {
      case "buildkite":
        if (args.buildkite) this.clusterSecretKeys = createClusterSecrets(name, args.buildkite, pipelines, valuePath, children);
        break;
      case "hook": {
        if (!args.hook) break;
        const hook = createHookSecrets(name, args.hook, pipelines, valuePath, children);
        this.secretArns = hook.secretArns;
        this.hookScript = hook.hookScript;
        this.readPolicyArn = hook.readPolicyArn;
        break;
      }
      case "elastic-stack":
        if (args.elasticStack) this.objectKeys = createElasticStackEnvFiles(name, args.elasticStack, pipelines, valuePath, children);
        break;
      default: {
        const never: never = args.backend;
        throw new pulumi.ResourceError(`AgentSecrets ${name}: unknown backend ${String(never)}`, this);
      }
    }

    this.registerOutputs({
      backend: this.backend,
      clusterSecretKeys: this.clusterSecretKeys,
      secretArns: this.secretArns,
      objectKeys: this.objectKeys,
      hookScript: this.hookScript,
      readPolicyArn: this.readPolicyArn,
    });
  }
}
