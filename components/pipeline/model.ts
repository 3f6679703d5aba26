/**
 * The typed model of a Depot build pipeline: what the pure renderer turns into Buildkite YAML.
 *
 * Every value here is plain and resolved (no `pulumi.Output`): components resolve resource
 * outputs (ECR repository URLs, role ARNs, Depot project ids) first and then render inside
 * `apply`, so rendering stays a pure, deterministic function.
 */

/** How the depot CLI authenticates inside a job. */
export const DEPOT_AUTH_MODES = ["oidc", "project-token", "user-token"] as const;
export type DepotAuthMode = (typeof DEPOT_AUTH_MODES)[number];

/** Where the agent gets `DEPOT_TOKEN` and the Docker Hub credentials from. */
export const SECRETS_BACKENDS = ["buildkite", "hook", "elastic-stack"] as const;
export type SecretsBackend = (typeof SECRETS_BACKENDS)[number];

/** What Pulumi stores in Buildkite: the whole pipeline, or one upload step (YAML in the repository). */
export const DELIVERY_MODES = ["managed", "repository"] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** How the depot CLI reaches the agent. */
export const CLI_INSTALL_MODES = ["script", "preinstalled"] as const;
export type CliInstallMode = (typeof CLI_INSTALL_MODES)[number];

/** Platforms Depot builds natively. */
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const BUILD_PLATFORMS = ["dynamic", "linux/amd64", "linux/arm64"] as const;
export type BuildPlatform = (typeof BUILD_PLATFORMS)[number];

export const LINT_FAIL_ON = ["error", "warn", "info", "none"] as const;
export type LintFailOn = (typeof LINT_FAIL_ON)[number];

/**
 * Runtime values a tag may use, written `{name}` in a tag template. Each renders as an escaped
 * runtime variable (`$${...}`), so Buildkite never interpolates it when the build is created.
 */
export const TAG_VARIABLES = ["commit", "short_commit", "branch", "build_number", "tag"] as const;
export type TagVariable = (typeof TAG_VARIABLES)[number];

/** A resolved push destination: a full image repository reference without a tag. */
export interface ResolvedDestination {
  /** `dockerhub` or `ecr`. */
  kind: "dockerhub" | "ecr";
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
