/**
 * The build half of `DepotImagePipelineArgs`: what the pipeline's steps build, where they push, and
 * how they authenticate. The shape is flat and cross-language friendly (named interfaces, `as const`
 * enums, no unions), so Pulumi's schema inference can offer it to every language.
 *
 * Values that usually come from other resources (the Depot project id, ECR repository URLs and
 * account ids, the role ARN) are `pulumi.Input`s. `pipelineModelFromArgs` (from-args.ts) turns the
 * resolved args into the renderer's {@link PipelineModel}, applying every default documented here.
 *
 * TSDoc on these fields becomes the description in every generated SDK: keep the first sentence
 * self-contained and avoid `{@link}` (the schema analyzer does not render it).
 */
import type * as pulumi from "@pulumi/pulumi";
import type {
  BuildPlatform,
  CliInstallMode,
  DepotAuthMode,
  DestinationKind,
  EcrAccessMode,
  LintFailOn,
  Platform,
  SecretsBackend,
} from "./model";

/** Where the depot CLI comes from in each step. */
export interface DepotCliArgs {
  /**
   * Exact depot CLI version the install script pins (`X.Y.Z`, never a range or `latest`). Only
   * used with install mode `script`.
   * @default "2.102.12" (DEFAULT_DEPOT_CLI_VERSION)
   */
  version?: string;
  /**
   * How the CLI reaches the agent: `script` installs the pinned version in each step,
   * `preinstalled` uses the `depot` already on the agent's PATH.
   * @default "script"
   */
  install?: CliInstallMode;
}

/** Docker Hub login for steps that push to Docker Hub. */
export interface DockerhubLoginArgs {
  /**
   * Docker Hub user the access token belongs to (not secret).
   * @example "acme-ci"
   */
  username: string;
  /**
   * Job environment variable holding the Docker Hub access token (delivered by the secrets backend;
   * the value never appears in the YAML).
   * @default "DOCKERHUB_TOKEN"
   */
  passwordEnv?: string;
}

/** AWS access for the ECR logins of the steps that push to ECR. */
export interface EcrLoginArgs {
  /**
   * How jobs get AWS credentials: `oidc` assumes `roleArn` with the job's Buildkite OIDC token,
   * `instance-role` uses the agent's own role.
   */
  mode: EcrAccessMode;
  /**
   * Region of the registries the steps log in to.
   * @example "eu-west-1"
   */
  region: pulumi.Input<string>;
  /**
   * 12-digit AWS account ids of the registries to log in to (duplicates are removed, the list is
   * sorted). Pass `EcrRepository.registryId`.
   */
  accountIds: pulumi.Input<string>[];
  /**
   * IAM role the job assumes with its OIDC token. Required with mode `oidc`, refused with
   * `instance-role`. Pass `BuildkiteOidcRole.resolvedRoleArn`, which resolves only once the role
   * may push.
   * @default none
   */
  roleArn?: pulumi.Input<string>;
  /**
   * OIDC token claims sent as session tags (mode `oidc` only), e.g. `organization_id` when the role
   * trust requires it.
   * @default []
   */
  sessionTags?: string[];
}

/** One registry an image is pushed to. */
export interface ImageDestinationArgs {
  /** The registry: `dockerhub` or `ecr`. */
  kind: DestinationKind;
  /**
   * Image repository without tag or digest. For `ecr` pass `EcrRepository.repositoryUrl`; for
   * `dockerhub` `NAMESPACE/REPO` (`docker.io/` is prefixed) or `docker.io/NAMESPACE/REPO`.
   * @example "acme/api"
   */
  repository: pulumi.Input<string>;
  /**
   * A short name for this destination in messages, e.g. `ecr:api`.
   * @default "<kind>:<repository>"
   */
  ref?: string;
}

/** A Buildkite concurrency group for an image step. */
export interface ImageConcurrencyArgs {
  /** How many jobs of the group may run at once (at least 1). */
  limit: number;
  /**
   * Group name, shared across pipelines of the organization.
   * @example "acme/api-deploy"
   */
  group: string;
}

/** One image build: one Buildkite command step running `depot build`. */
export interface ImageArgs {
  /**
   * Step key, unique within the pipeline (`[a-zA-Z0-9_-:.,]`, at most 100 characters).
   * @example "api"
   */
  key: string;
  /**
   * Step label shown in Buildkite.
   * @default ":docker: <key>"
   */
  label?: string;
  /**
   * Build context directory, relative to the checkout.
   * @default "."
   */
  context?: string;
  /**
   * Dockerfile path (`--file`).
   * @default Depot's default (`<context>/Dockerfile`)
   */
  file?: string;
  /**
   * Target stage (`--target`).
   * @default the last stage
   */
  target?: string;
  /**
   * Target platforms (`--platform`), built natively by Depot.
   * @default ["linux/amd64"]
   */
  platforms?: Platform[];
  /**
   * Build arguments (`--build-arg K=V`, sorted by name). Values are visible in the YAML: never put
   * secrets here.
   * @default {}
   */
  buildArgs?: Record<string, string>;
  /**
   * Named build contexts (`--build-context name=value`, sorted by name).
   * @default {}
   */
  buildContexts?: Record<string, string>;
  /**
   * Build secrets: secret id the Dockerfile mounts -> environment variable on the agent holding the
   * value (`--secret id=ID,env=ENV`). Only the names appear in the YAML.
   * @default {}
   */
  secrets?: Record<string, string>;
  /**
   * SSH agent sockets or keys to expose (`--ssh`), e.g. `default`.
   * @default []
   */
  ssh?: string[];
  /**
   * Image labels (`--label K=V`, sorted by name).
   * @default {}
   */
  labels?: Record<string, string>;
  /**
   * Image annotations (`--annotation`).
   * @default []
   */
  annotations?: string[];
  /**
   * Tag templates applied to every destination; `{commit}`, `{short_commit}`, `{branch}`,
   * `{build_number}` and `{tag}` are filled in at build time.
   * @default ["{short_commit}"]
   */
  tags?: string[];
  /**
   * Registries to push to (`--push`). Without destinations the image is only built (and loaded or
   * saved if asked).
   * @default []
   */
  destinations?: ImageDestinationArgs[];
  /**
   * Local image name for `--load` when the image has no destination: each tag becomes
   * `-t <localName>:<tag>`.
   * @default the step key, lower-cased, with characters invalid in an image name replaced by "-"
   */
  localName?: string;
  /**
   * Shell commands run after `depot build` in the same job, e.g. `docker run --rm api:test npm test`
   * for a loaded image; a failing command fails the step. `$VAR` expands when the job runs (the
   * stored YAML escapes it from Buildkite's interpolation).
   * @default []
   */
  commands?: string[];
  /**
   * Load the image into the agent's Docker (`--load`), for later commands in the same job.
   * @default false
   */
  load?: boolean;
  /**
   * Save the image in Depot's ephemeral registry (`--save`).
   * @default false
   */
  save?: boolean;
  /**
   * Tags for the saved image (`--save-tag`); needs `save`.
   * @default []
   */
  saveTags?: string[];
  /**
   * Provenance attestation (`--provenance`): `"true"`, `"false"`, or a mode string such as
   * `"mode=max"`, passed through as written.
   * @default Depot's default (the flag is omitted)
   */
  provenance?: string;
  /**
   * SBOM attestation (`--sbom true|false`).
   * @default Depot's default (the flag is omitted)
   */
  sbom?: boolean;
  /**
   * Lint the Dockerfile before building (`--lint`).
   * @default false
   */
  lint?: boolean;
  /**
   * Lowest lint severity that fails the build (`--lint-fail-on`); needs `lint`.
   * @default Depot's default (the flag is omitted)
   */
  lintFailOn?: LintFailOn;
  /**
   * Where the build runs (`--build-platform`).
   * @default Depot's default (the flag is omitted)
   */
  buildPlatform?: BuildPlatform;
  /**
   * Build without cache (`--no-cache`).
   * @default false
   */
  noCache?: boolean;
  /**
   * Always pull base images (`--pull`).
   * @default false
   */
  pull?: boolean;
  /**
   * Path of the build metadata file (`--metadata-file`), also uploaded as an artifact.
   * @default none
   */
  metadataFile?: string;
  /**
   * Keys of other images in this pipeline that must finish first.
   * @default []
   */
  dependsOn?: string[];
  /**
   * Step timeout in minutes.
   * @default 30
   */
  timeoutInMinutes?: number;
  /**
   * Buildkite concurrency group for this step.
   * @default none
   */
  concurrency?: ImageConcurrencyArgs;
  /**
   * Branch filter for this step (Buildkite `branches`, e.g. `main`, `release/*`). An empty list is
   * refused.
   * @default every branch
   */
  branches?: string[];
  /**
   * Agent queue for this step.
   * @default the pipeline's `queue`
   */
  queue?: string;
  /**
   * Plain, non-secret environment for the step (sorted by name).
   * @default {}
   */
  env?: Record<string, string>;
}

/**
 * What a Depot pipeline builds and how its steps authenticate: the part of `DepotImagePipelineArgs`
 * that becomes the rendered YAML.
 */
export interface PipelineBuildArgs {
  /**
   * The pipeline slug, set explicitly. It is a key elsewhere (Depot trust policy, secret access
   * policies, AWS OIDC `sub`), so renaming the pipeline must never change it silently.
   * @example "web-app"
   */
  slug: string;
  /**
   * Buildkite organization slug (pipeline URL, Depot trust relationship).
   * @example "acme"
   */
  organization: string;
  /**
   * Depot project id the steps build in (`DEPOT_PROJECT_ID`). Pass `DepotProject.projectId` or an
   * existing project's id.
   * @example "abc123xyz0"
   */
  depotProjectId: pulumi.Input<string>;
  /**
   * How the depot CLI authenticates: `oidc` (no secret; needs a Depot trust relationship for this
   * pipeline), `project-token` or `user-token` (a `DEPOT_TOKEN` from the secrets backend).
   * @default "oidc"
   */
  auth?: DepotAuthMode;
  /**
   * Where jobs get `DEPOT_TOKEN` and the Docker Hub credentials: `buildkite` (cluster secrets read
   * by each step's `secrets:`), `hook` or `elastic-stack` (exported by the agent).
   * @default "buildkite"
   */
  secretsBackend?: SecretsBackend;
  /**
   * With the `buildkite` backend: job environment variable -> Buildkite cluster secret key, read
   * through each step's `secrets:` attribute. Build it with `jobSecretEnv`. Must be empty for other
   * backends.
   * @default {}
   */
  secretEnv?: Record<string, string>;
  /**
   * Agent queue the steps run on.
   * @default "default"
   */
  queue?: string;
  /**
   * Where the depot CLI comes from.
   * @default { version: "2.102.12", install: "script" }
   */
  cli?: DepotCliArgs;
  /**
   * Set `DEPOT_DEBUG_OIDC=1` in OIDC steps, to troubleshoot the Depot trust relationship.
   * @default false
   */
  debugOidc?: boolean;
  /**
   * Docker Hub login for the steps that push to Docker Hub. Leave it out on the Elastic CI Stack,
   * which logs in by itself.
   * @default none (no docker-login plugin)
   */
  dockerhub?: DockerhubLoginArgs;
  /**
   * AWS access for the steps that push to ECR (assume-role and ecr plugins).
   * @default none (no ECR login)
   */
  ecr?: EcrLoginArgs;
  /** The images to build, one step each (several are grouped). At least one. */
  images: ImageArgs[];
}
