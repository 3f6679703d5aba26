/**
 * The typed model of a Depot build pipeline: what the pure renderer turns into Buildkite YAML.
 *
 * Every value here is plain and resolved (no `pulumi.Output`): components resolve resource
 * outputs (ECR repository URLs, role ARNs, Depot project ids) first and then render inside
 * `apply`, so rendering stays a pure, deterministic function.
 *
 * The model is the renderer's internal shape (every field explicit; unions are fine here). What
 * callers write is `PipelineBuildArgs` (args.ts: optional fields, Inputs, cross-language types);
 * `pipelineModelFromArgs` (from-args.ts) turns resolved args into this model.
 */

/*
 * Value sets are `as const` objects with a type of the same name (object first): Pulumi's schema
 * inference turns them into enums for other languages. The `*_MODES`-style arrays list the same
 * values in the same order, for zod and for messages.
 */

/** The values of an `as const` enum object, in declaration order, as a non-empty tuple. */
function valuesOf<T extends Record<string, string>>(o: T): readonly [T[keyof T], ...T[keyof T][]] {
  const [first, ...rest] = Object.values(o) as T[keyof T][];
  return [first, ...rest];
}

/** How the depot CLI authenticates inside a job. */
export const DepotAuthMode = {
  /** Buildkite OIDC token exchanged with Depot (trust relationship); no secret at all. */
  Oidc: "oidc",
  /** A Depot project token in `DEPOT_TOKEN`. */
  ProjectToken: "project-token",
  /** A Depot user token in `DEPOT_TOKEN` (meant for local use). */
  UserToken: "user-token",
} as const;
export type DepotAuthMode = (typeof DepotAuthMode)[keyof typeof DepotAuthMode];
export const DEPOT_AUTH_MODES = valuesOf(DepotAuthMode);

/** Where the agent gets `DEPOT_TOKEN` and the Docker Hub credentials from. */
export const SecretsBackend = {
  /** Buildkite cluster secrets, read through each step's `secrets:` attribute. */
  Buildkite: "buildkite",
  /** AWS Secrets Manager and a generated agent `environment` hook. */
  Hook: "hook",
  /** The Elastic CI Stack's S3 secrets bucket. */
  ElasticStack: "elastic-stack",
} as const;
export type SecretsBackend = (typeof SecretsBackend)[keyof typeof SecretsBackend];
export const SECRETS_BACKENDS = valuesOf(SecretsBackend);

/** What Pulumi stores in Buildkite: the whole pipeline, or one upload step (YAML in the repository). */
export const DeliveryMode = {
  /** The full rendered YAML is stored in the pipeline settings. */
  Managed: "managed",
  /** Only a `buildkite-agent pipeline upload` step is stored; the YAML is committed to the repository. */
  Repository: "repository",
} as const;
export type DeliveryMode = (typeof DeliveryMode)[keyof typeof DeliveryMode];
export const DELIVERY_MODES = valuesOf(DeliveryMode);

/** How the depot CLI reaches the agent. */
export const CliInstallMode = {
  /** Each step installs the pinned version with Depot's install script. */
  Script: "script",
  /** The agent already has `depot` on its PATH. */
  Preinstalled: "preinstalled",
} as const;
export type CliInstallMode = (typeof CliInstallMode)[keyof typeof CliInstallMode];
export const CLI_INSTALL_MODES = valuesOf(CliInstallMode);

/** Platforms Depot builds natively. */
export const Platform = {
  LinuxAmd64: "linux/amd64",
  LinuxArm64: "linux/arm64",
} as const;
export type Platform = (typeof Platform)[keyof typeof Platform];
export const PLATFORMS = valuesOf(Platform);

/** Depot's `--build-platform`: where a build runs, independent of the target platforms. */
export const BuildPlatform = {
  /** Depot chooses per target platform. */
  Dynamic: "dynamic",
  LinuxAmd64: "linux/amd64",
  LinuxArm64: "linux/arm64",
} as const;
export type BuildPlatform = (typeof BuildPlatform)[keyof typeof BuildPlatform];
export const BUILD_PLATFORMS = valuesOf(BuildPlatform);

/** Depot's `--lint-fail-on`: the lowest lint severity that fails the build. */
export const LintFailOn = {
  Error: "error",
  Warn: "warn",
  Info: "info",
  None: "none",
} as const;
export type LintFailOn = (typeof LintFailOn)[keyof typeof LintFailOn];
export const LINT_FAIL_ON = valuesOf(LintFailOn);

/** The registry an image is pushed to. */
export const DestinationKind = {
  /** Docker Hub (`docker.io`). */
  Dockerhub: "dockerhub",
  /** Amazon ECR. */
  Ecr: "ecr",
} as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];
export const DESTINATION_KINDS = valuesOf(DestinationKind);

/** How jobs get AWS credentials for their ECR login. */
export const EcrAccessMode = {
  /** Each job assumes an IAM role with its Buildkite OIDC token (keyless). */
  Oidc: "oidc",
  /** The agent's own instance role (no role is assumed). */
  InstanceRole: "instance-role",
} as const;
export type EcrAccessMode = (typeof EcrAccessMode)[keyof typeof EcrAccessMode];
export const ECR_ACCESS_MODES = valuesOf(EcrAccessMode);

/**
 * Runtime values a tag may use, written `{name}` in a tag template. Each renders as an escaped
 * runtime variable (`$${...}`), so Buildkite never interpolates it when the build is created.
 */
export const TAG_VARIABLES = ["commit", "short_commit", "branch", "build_number", "tag"] as const;
export type TagVariable = (typeof TAG_VARIABLES)[number];

/** A resolved push destination: a full image repository reference without a tag. */
export interface ResolvedDestination {
  /** `dockerhub` or `ecr`. */
  kind: DestinationKind;
  /** What the user wrote, e.g. `dockerhub:acme/api` or `ecr:api`. */
  ref: string;
  /** Image repository without tag, e.g. `docker.io/acme/api` or `123456789012.dkr.ecr.eu-west-1.amazonaws.com/api`. */
  repository: string;
}

/** A build secret passed to `depot build --secret id=ID,env=ENV`. Values never appear in YAML. */
export interface BuildSecret {
  /** Secret id the Dockerfile mounts (`RUN --mount=type=secret,id=ID`). */
  id: string;
  /** Environment variable on the agent that holds the value. */
  env: string;
}

/** One image build: one command step. */
export interface ImageBuild {
  /** Step key, unique within the pipeline. */
  key: string;
  /** Step label; defaults to `:docker: <key>`. */
  label?: string;
  context: string;
  file?: string;
  target?: string;
  platforms: Platform[];
  buildArgs: Record<string, string>;
  buildContexts: Record<string, string>;
  secrets: BuildSecret[];
  ssh: string[];
  labels: Record<string, string>;
  annotations: string[];
  /** Tag templates such as `latest` or `{short_commit}`. */
  tags: string[];
  destinations: ResolvedDestination[];
  /**
   * Local image name for `--load` when the image has no push destination: each tag becomes
   * `-t <localName>:<tag>` so later commands in the job can `docker run` it. Ignored when the image
   * pushes (the loaded image then carries the destination tags).
   * @default the step key, lower-cased, with characters invalid in an image name replaced by `-`
   */
  localName?: string;
  load: boolean;
  save: boolean;
  saveTags: string[];
  /** `false`, `true`, or a mode string such as `mode=max`. Omitted: Depot's default. */
  provenance?: boolean | string;
  sbom?: boolean;
  lint: boolean;
  lintFailOn?: LintFailOn;
  buildPlatform?: BuildPlatform;
  noCache: boolean;
  pull: boolean;
  /** Path of the metadata file the build writes (uploaded as an artifact). */
  metadataFile?: string;
  /** Keys of other images in this pipeline that must finish first. */
  dependsOn: string[];
  timeoutInMinutes: number;
  concurrency?: { limit: number; group: string };
  /** Branch filter for this step (Buildkite `branches`). */
  branches?: string[];
  /** Agent queue; defaults to the pipeline queue. */
  queue?: string;
  /** Plain, non-secret environment for the step. */
  env: Record<string, string>;
  /**
   * Shell commands run after `depot build`, in the same job (e.g. `docker run` of a loaded image);
   * a failing command fails the step. Runtime variables (`$VAR`) expand when the job runs.
   */
  commands?: string[];
}

/** AWS access for the ECR destinations of a pipeline. */
export type EcrAccess =
  | { mode: "oidc"; roleArn: string; sessionTags: string[]; region: string; accountIds: string[] }
  | { mode: "instance-role"; region: string; accountIds: string[] };

/** Everything the renderer needs to produce one pipeline's YAML. */
export interface PipelineModel {
  slug: string;
  organization: string;
  queue: string;
  auth: DepotAuthMode;
  /** Depot project id; with OIDC this is all the job needs. */
  depotProjectId: string;
  secretsBackend: SecretsBackend;
  /**
   * With the `buildkite` backend: environment variable name -> Buildkite cluster secret key,
   * read through the step's `secrets:` attribute. Empty for other backends.
   */
  secretEnv: Record<string, string>;
  cli: { version: string; install: CliInstallMode };
  /** Adds `DEPOT_DEBUG_OIDC=1` to OIDC steps. */
  debugOidc: boolean;
  /** Docker Hub login; absent when no image pushes to Docker Hub or the Elastic CI Stack logs in itself. */
  dockerhub?: { username: string; passwordEnv: string };
  ecr?: EcrAccess;
  images: ImageBuild[];
}
