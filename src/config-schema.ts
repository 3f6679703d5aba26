/**
 * The stack configuration schema: what `Pulumi.<stack>.yaml` may say under the `depot-buildkite:`
 * namespace. One zod schema; every object is strict so that a misspelt key is an error.
 * Stack-level defaults live here. The defaults a pipeline shares with the library (queue, Depot auth,
 * secrets backend, depot CLI, image context, platforms, tags and timeout) are the library's own
 * constants (components/pipeline/from-args.ts), so the config and the component cannot disagree.
 */
import { z } from "zod";
import { KMS_KEY_ARN_PATTERN } from "../components/secrets/iam";
import {
  BUILD_PLATFORMS,
  CLI_INSTALL_MODES,
  DELIVERY_MODES,
  DEPOT_AUTH_MODES,
  DeliveryMode,
  LINT_FAIL_ON,
  PLATFORMS,
  SECRETS_BACKENDS,
} from "../components/pipeline/model";
import { DEFAULT_DEPOT_CLI_VERSION, IMAGE_DEFAULTS, PIPELINE_DEFAULTS } from "../components/pipeline/from-args";

/** The pinned depot CLI version rendered into install steps (owned by the library). */
export { DEFAULT_DEPOT_CLI_VERSION };

const DEPOT_DEFAULTS = {
  auth: PIPELINE_DEFAULTS.auth,
  cli: { version: DEFAULT_DEPOT_CLI_VERSION, install: PIPELINE_DEFAULTS.cliInstall },
  debugOidc: PIPELINE_DEFAULTS.debugOidc,
} as const;

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "must be a Buildkite slug: lower-case letters, digits and '-', at most 100 characters");
const nonEmpty = z.string().min(1, "must not be empty");
const stringMap = z.record(z.string(), z.string());
const semver = z.string().regex(/^\d+\.\d+\.\d+$/, "must be an exact version such as 2.102.12 (never a range or 'latest')");

export const buildkiteSchema = z.strictObject({
  /** Buildkite organization slug (used in URLs, Depot trust policies, OIDC subjects). */
  organization: slug,
  /** Cluster GraphQL id (Pipeline.clusterId). */
  clusterId: nonEmpty.optional(),
  /** Cluster UUID (ClusterSecret.clusterId); required by the `buildkite` secrets backend. */
  clusterUuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a UUID").optional(),
  /** Team GraphQL id every pipeline is created with. */
  defaultTeamId: nonEmpty.optional(),
  /** Agent queue steps run on. */
  defaultQueue: nonEmpty.default(PIPELINE_DEFAULTS.queue),
});

export const depotSchema = z.strictObject({
  /** Use an existing Depot project by id. */
  projectId: z.string().regex(/^[a-z0-9]{6,32}$/, "must be a Depot project id such as abc123xyz0").optional(),
  /** Create (and manage) a Depot project; needs the organization token. */
  project: z
    .strictObject({
      name: nonEmpty,
      region: nonEmpty.default("us-east-1"),
      cache: z
        .strictObject({
          keepGb: z.number().int().min(1).max(500).optional(),
          keepDays: z.number().int().min(0).optional(),
        })
        .optional(),
      hardware: z.enum(["16X32", "4X4", "8X8", "8X16", "32X64", "64X128", "96X192", "192X384"]).optional(),
      protect: z.boolean().default(false),
    })
    .optional(),
  /** How jobs authenticate to Depot; pipelines may override. */
  auth: z.enum(DEPOT_AUTH_MODES).default(DEPOT_DEFAULTS.auth),
  cli: z
    .strictObject({
      version: semver.default(DEPOT_DEFAULTS.cli.version),
      install: z.enum(CLI_INSTALL_MODES).default(DEPOT_DEFAULTS.cli.install),
    })
    .default({ ...DEPOT_DEFAULTS.cli }),
  /** Set DEPOT_DEBUG_OIDC=1 in OIDC steps (troubleshooting). */
  debugOidc: z.boolean().default(DEPOT_DEFAULTS.debugOidc),
});

export const secretsSchema = z.strictObject({
  backend: z.enum(SECRETS_BACKENDS).default(PIPELINE_DEFAULTS.secretsBackend),
  hook: z
    .strictObject({
      namePrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]+$/, "may only contain letters, digits and /_+=.@-").default("buildkite/"),
      kmsKeyId: z.string().regex(KMS_KEY_ARN_PATTERN, "must be a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID); IAM cannot scope an alias").optional(),
      upload: z.strictObject({ bucket: nonEmpty, key: z.string().regex(/^\S(.*\S)?$/, "must not be blank or start or end with spaces").optional() }).optional(),
      agentRoleName: nonEmpty.optional(),
    })
    .optional(),
  elasticStack: z
    .strictObject({
      bucket: nonEmpty,
      kmsKeyId: nonEmpty.optional(),
    })
    .optional(),
});

export const dockerhubSchema = z.strictObject({
  /** Docker Hub user the token belongs to (not secret). */
  username: nonEmpty,
});

export const ecrRepositorySchema = z.strictObject({
  imageTagMutability: z.enum(["MUTABLE", "IMMUTABLE"]).default("MUTABLE"),
  scanOnPush: z.boolean().default(true),
  encryption: z.enum(["AES256", "KMS"]).default("AES256"),
  kmsKeyArn: nonEmpty.optional(),
  untaggedExpireDays: z.number().int().min(1).default(14),
  keepTagged: z.number().int().min(1).default(100),
  pullAccountIds: z.array(z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id")).default([]),
});

export const ecrSchema = z.strictObject({
  region: nonEmpty,
  /** `oidc`: a role per pipeline assumed with Buildkite OIDC; `instance-role`: attach push to an existing agent role. */
  access: z.enum(["oidc", "instance-role"]).default("oidc"),
  oidcProvider: z
    .strictObject({
      existingArn: z.string().regex(/^arn:[a-z-]+:iam::\d{12}:oidc-provider\/agent\.buildkite\.com$/, "must be the ARN of the IAM OIDC provider for agent.buildkite.com").optional(),
    })
    .default({}),
  /** Existing agent role (Elastic CI Stack instance role) for `access: instance-role`. */
  agentRoleName: nonEmpty.optional(),
  /** Restrict OIDC roles to these branches (sub claim `ref:refs/heads/BRANCH`); exact names, no wildcards. */
  branches: z.array(z.string().regex(/^[^*?:\s]+$/, "must be an exact branch name: no '*', '?', ':' or spaces (a wildcard would widen who can assume the role)")).min(1, "must list at least one branch; omit the key to allow every branch").optional(),
  /** Require `aws:RequestTag/organization_id` = this UUID (session tags). */
  organizationId: nonEmpty.optional(),
  /** Protect repositories from deletion (and retain them if removed from the stack). */
  protect: z.boolean().default(false),
  forceDelete: z.boolean().default(false),
  /** Repositories by name; `ecr:NAME` destinations refer to these keys. */
  repositories: z.record(z.string(), ecrRepositorySchema).default({}),
  /** Base-image repositories (ARNs) jobs may pull from. */
  pullRepositoryArns: z.array(nonEmpty).default([]),
});

const platform = z.enum(PLATFORMS);

export const imageSchema = z.strictObject({
  key: z.string().regex(/^[a-zA-Z0-9_\-:.,]{1,100}$/, "must be a Buildkite step key: letters, digits, '_', '-', ':', '.', ',' (at most 100)"),
  label: nonEmpty.optional(),
  context: nonEmpty.default(IMAGE_DEFAULTS.context),
  dockerfile: nonEmpty.optional(),
  target: nonEmpty.optional(),
  platforms: z.array(platform).min(1).default(() => [...IMAGE_DEFAULTS.platforms]),
  buildArgs: stringMap.default({}),
  buildContexts: stringMap.default({}),
  /** Build secrets: id -> environment variable on the agent holding the value. */
  secrets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a secret id"), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")).default({}),
  ssh: z.array(nonEmpty).default([]),
  labels: stringMap.default({}),
  annotations: z.array(nonEmpty).default([]),
  tags: z.array(nonEmpty).default(() => [...IMAGE_DEFAULTS.tags]),
  /** `dockerhub:NAMESPACE/REPO` or `ecr:NAME`. */
  destinations: z.array(nonEmpty).default([]),
  push: z.boolean().optional(),
  /** Local image name for `--load` without destinations (`-t NAME:TAG`); default: the key. */
  localName: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, "must be an image name: lower case, no tag").optional(),
  /** Shell commands run after the build in the same job (e.g. `docker run` of the loaded image). */
  commands: z.array(nonEmpty).default([]),
  load: z.boolean().default(false),
  save: z.boolean().default(false),
  saveTags: z.array(nonEmpty).default([]),
  provenance: z.union([z.boolean(), nonEmpty]).optional(),
  sbom: z.boolean().optional(),
  lint: z.boolean().default(false),
  lintFailOn: z.enum(LINT_FAIL_ON).optional(),
  buildPlatform: z.enum(BUILD_PLATFORMS).optional(),
  noCache: z.boolean().default(false),
  pull: z.boolean().default(false),
  metadataFile: nonEmpty.optional(),
  dependsOn: z.array(nonEmpty).default([]),
  timeoutInMinutes: z.number().int().min(1).max(1440).default(IMAGE_DEFAULTS.timeoutInMinutes),
  concurrency: z.strictObject({ limit: z.number().int().min(1), group: nonEmpty }).optional(),
  branches: z.array(nonEmpty).optional(),
  queue: nonEmpty.optional(),
  env: stringMap.default({}),
});

export const scheduleSchema = z.strictObject({
  key: z.string().regex(/^(?!team-)[a-z0-9][a-z0-9-]*$/, "must be lower-case letters, digits and '-', start with a letter or digit, and not start with 'team-'"),
  cronline: nonEmpty,
  branch: nonEmpty.optional(),
  label: nonEmpty.optional(),
  env: stringMap.optional(),
});

export const pipelineSchema = z.strictObject({
  slug,
  name: nonEmpty,
  repository: nonEmpty,
  description: nonEmpty.optional(),
  defaultBranch: nonEmpty.default("main"),
  branchConfiguration: nonEmpty.optional(),
  auth: z.enum(DEPOT_AUTH_MODES).optional(),
  secretsBackend: z.enum(SECRETS_BACKENDS).optional(),
  delivery: z.enum(DELIVERY_MODES).default(DeliveryMode.Managed),
  /** Sign the stored upload step (repository delivery only); needs the `signingJwks` secret. */
  sign: z.boolean().default(false),
  queue: nonEmpty.optional(),
  buildPullRequests: z.boolean().default(true),
  buildPullRequestForks: z.boolean().default(false),
  cancelIntermediateBuilds: z.boolean().default(true),
  skipIntermediateBuilds: z.boolean().default(true),
  teams: z
    .array(z.strictObject({ teamId: nonEmpty, accessLevel: z.enum(["READ_ONLY", "BUILD_AND_READ", "MANAGE_BUILD_AND_READ"]) }))
    .default([]),
  schedules: z.array(scheduleSchema).default([]),
  images: z.array(imageSchema).min(1, "must list at least one image"),
  /**
   * Earlier slugs of this pipeline. Resource names derive from the slug; listing the old slug
   * here adds aliases so that changing a slug updates the pipeline in place instead of replacing it.
   */
  previousSlugs: z.array(slug).default([]),
});

/** Top-level keys under the project namespace, each with its schema. */
export const topLevelSchema = z.strictObject({
  buildkite: buildkiteSchema,
  depot: depotSchema.default({ ...DEPOT_DEFAULTS, cli: { ...DEPOT_DEFAULTS.cli } }),
  secrets: secretsSchema.default({ backend: PIPELINE_DEFAULTS.secretsBackend }),
  dockerhub: dockerhubSchema.optional(),
  ecr: ecrSchema.optional(),
  pipelines: z.array(pipelineSchema).min(1, "must list at least one pipeline"),
});

export type StackConfig = z.output<typeof topLevelSchema>;
export type PipelineConfig = StackConfig["pipelines"][number];
export type ImageConfig = PipelineConfig["images"][number];

/** Secret config keys: always set with `pulumi config set --secret`. */
export const SECRET_KEYS = {
  dockerhubToken: "Docker Hub access token for the user in `dockerhub.username`",
  depotToken: "Depot project or user token, for pipelines in token mode when no organization token is set",
  depotOrgToken: "Depot organization token (depot_org_...): lets `pulumi up` manage the Depot project, trust policies and project tokens",
  signingJwks: "JWKS (private key set) that signs the stored upload step of pipelines with `sign: true`",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;
