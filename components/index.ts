/**
 * The public API of `depot-buildkite`: what other stacks import.
 *
 * ```ts
 * import { DepotImagePipeline, EcrRepository, BuildkiteOidcProvider, BuildkiteOidcRole } from "depot-buildkite";
 * ```
 *
 * Everything exported here is covered by semantic versioning (see docs/library.md). Anything
 * reached through a deeper path (`depot-buildkite/dist/components/...`) is internal and may change
 * in any release.
 *
 * Type tokens are part of the contract. Components register as `depot-buildkite:index:<Class>`;
 * the Depot resources are dynamic resources registered as `pulumi-nodejs:dynamic/depot:<Type>`.
 * A stack's state stores resources under their token, so changing one without
 * `aliases: [{ type: "<old token>" }]` makes `pulumi up` replace the resource and its children.
 * test/library/tokens.test.ts holds the list and fails when one changes.
 *
 * Sections below: components (classes and their `Args`), then the pure helpers they are built
 * from, for consumers who render or check things themselves (no resources are created by those).
 */

// ---------------------------------------------------------------------------------------------
// Components: Buildkite
// ---------------------------------------------------------------------------------------------

/**
 * `DepotImagePipeline`: a Buildkite pipeline whose steps build images with `depot build`, with
 * team access and schedules. Its args are flat (images, destinations, logins); the component
 * builds the renderer's {@link PipelineModel} from them with `pipelineModelFromArgs`.
 */
export {
  DepotImagePipeline,
  PipelineTeamAccessLevel,
  depotImagePipelineArgsProblems,
  type DepotImagePipelineArgs,
  type PipelineScheduleInputs,
  type PipelineSigningArgs,
  type PipelineTeamInputs,
} from "./depot-image-pipeline";
/** The build half of `DepotImagePipelineArgs`: images, destinations, Depot auth, registry logins. */
export type {
  DepotCliArgs,
  DockerhubLoginArgs,
  EcrLoginArgs,
  ImageArgs,
  ImageConcurrencyArgs,
  ImageDestinationArgs,
  PipelineBuildArgs,
} from "./pipeline/args";
/** Args -> model, with every default in one place (pure), and the checks on the args' shape. */
export {
  DEFAULT_DEPOT_CLI_VERSION,
  IMAGE_DEFAULTS,
  PIPELINE_DEFAULTS,
  pipelineArgsProblems,
  pipelineModelFromArgs,
  type ResolvedPipelineArgs,
} from "./pipeline/from-args";

/**
 * `AgentSecrets`: delivers `DEPOT_TOKEN` and Docker Hub credentials to exactly the jobs that need
 * them (Buildkite cluster secrets, an agent `environment` hook, or the Elastic CI Stack bucket).
 */
export {
  AgentSecrets,
  type AgentSecretsArgs,
  type AgentSecretsBuildkiteArgs,
  type AgentSecretsElasticStackArgs,
  type AgentSecretsHookArgs,
  type AgentSecretsHookUploadArgs,
  type AgentSecretsPipeline,
} from "./agent-secrets";

// ---------------------------------------------------------------------------------------------
// Components: AWS (ECR repositories, keyless IAM for Buildkite jobs)
// ---------------------------------------------------------------------------------------------

/** `EcrRepository`: an ECR repository with scanning, a lifecycle policy and optional cross-account pull. */
export {
  EcrEncryptionType,
  EcrRepository,
  ImageTagMutability,
  type EcrLifecycleArgs,
  type EcrRepositoryArgs,
} from "./aws/ecr-repository";
/** `BuildkiteOidcProvider`: the account's IAM OIDC provider for `agent.buildkite.com`, created or imported (one per account). */
export { BuildkiteOidcProvider, type BuildkiteOidcProviderArgs } from "./aws/buildkite-oidc-provider";
/** `BuildkiteOidcRole`: a role that jobs of named pipelines assume with their OIDC token, allowed to push to named repositories. */
export { BuildkiteOidcRole, type BuildkiteOidcRoleArgs } from "./aws/buildkite-oidc-role";
/** `AgentRoleEcrAccess`: the same push policy on an existing agent instance role (no OIDC). */
export { AgentRoleEcrAccess, type AgentRoleEcrAccessArgs } from "./aws/agent-role-ecr-access";

// ---------------------------------------------------------------------------------------------
// Depot resources (dynamic resources over Depot's API; need a Depot organization token)
// ---------------------------------------------------------------------------------------------

/**
 * `DepotProject`, `DepotTrustPolicy` (Buildkite OIDC trust relationship) and `DepotProjectToken`.
 * These are `pulumi.dynamic.Resource`s, not components: TypeScript consumers only (they are not
 * part of the cross-language schema, see docs/library.md).
 */
export {
  DepotProject,
  DepotProjectToken,
  DepotTrustPolicy,
  type DepotApiArgs,
  type DepotProjectArgs,
  type DepotProjectTokenArgs,
  type DepotTrustPolicyArgs,
} from "./depot/resources";
export {
  depotHardwareNames,
  type DepotCachePolicy,
  type DepotHardware,
  type DepotHardwareName,
  type DepotRetrySettings,
} from "./depot/provider";
/** Configuration-only mode: trust relationships to add by hand in Depot's dashboard. */
export {
  depotTrustRelationship,
  describeDepotTrustRelationship,
  validateDepotTrustRelationship,
  type DepotTrustRelationship,
} from "./depot/trust";

// ---------------------------------------------------------------------------------------------
// Pure helpers: pipeline model and rendering
// ---------------------------------------------------------------------------------------------

/**
 * The typed pipeline model `DepotImagePipeline` renders (resolved, internal to the render), and the
 * enums of its allowed values (`as const` objects; the `*_MODES`-style arrays list the same values).
 */
export {
  BUILD_PLATFORMS,
  BuildPlatform,
  CLI_INSTALL_MODES,
  CliInstallMode,
  DELIVERY_MODES,
  DEPOT_AUTH_MODES,
  DESTINATION_KINDS,
  DeliveryMode,
  DepotAuthMode,
  DestinationKind,
  ECR_ACCESS_MODES,
  EcrAccessMode,
  LINT_FAIL_ON,
  LintFailOn,
  PLATFORMS,
  Platform,
  SECRETS_BACKENDS,
  SecretsBackend,
  TAG_VARIABLES,
  type BuildSecret,
  type EcrAccess,
  type ImageBuild,
  type PipelineModel,
  type ResolvedDestination,
  type TagVariable,
} from "./pipeline/model";
/**
 * Model -> Buildkite YAML (deterministic), the stored steps per delivery mode, model validation,
 * the `depot build` argument list, and Buildkite interpolation escaping (`$` -> `$$`).
 */
export {
  AWS_ASSUME_ROLE_PLUGIN,
  DOCKER_LOGIN_PLUGIN,
  ECR_PLUGIN,
  renderPipeline,
  renderPipelineYaml,
  renderStoredSteps,
} from "./pipeline/render";
export type { CommandStep, GroupStep, PipelineDocument, PipelineStep } from "./pipeline/document";
export { assertRenderableModel, pipelineModelProblems } from "./pipeline/validate";
export { depotBuildArgs } from "./pipeline/depot-args";
export { escapeInterpolation } from "./pipeline/interpolation";
export { BRANCH_TAG_VAR, COMMIT_TAG_VAR, parseTagTemplate, tagTemplateProblems, type TagPart } from "./pipeline/tags";
export { cronlineProblems, PREDEFINED_INTERVALS } from "./pipeline/cron";

// ---------------------------------------------------------------------------------------------
// Pure helpers: IAM policy documents and ECR rules
// ---------------------------------------------------------------------------------------------

/** Policy builders (typed documents) and validators returning `string[]`, as the AWS components use them. */
export {
  BUILDKITE_OIDC_ISSUER,
  ECR_AUTH_TOKEN_ACTION,
  ECR_PULL_ACTIONS,
  ECR_PUSH_ACTIONS,
  STS_AUDIENCE,
  buildkiteProviderArn,
  buildkiteSubject,
  buildkiteTrustPolicy,
  buildkiteTrustPolicyProblems,
  ecrCrossAccountPullPolicy,
  ecrPushPolicy,
  ecrPushPolicyProblems,
  validateIdentityPolicy,
  validateTrustPolicy,
  type BuildkiteSessionTags,
  type BuildkiteSubjectArgs,
  type BuildkiteTrustPolicyArgs,
  type EcrPushPolicyArgs,
  type PolicyDocument,
  type PolicyStatement,
} from "./aws/policies";
/** ECR repository names and lifecycle policies. */
export {
  LifecycleCountType,
  LifecycleTagStatus,
  buildLifecyclePolicy,
  isMovingTag,
  lifecyclePolicyProblems,
  validateRepositoryName,
  type LifecyclePolicyArgs,
  type LifecyclePolicyDocument,
  type LifecycleRuleArgs,
} from "./aws/ecr-rules";

// ---------------------------------------------------------------------------------------------
// Pure helpers: agent secrets
// ---------------------------------------------------------------------------------------------

/**
 * Names both sides agree on (job env names, cluster secret keys), the step `secrets:` map, and the
 * renderers behind the `hook` and `elastic-stack` backends.
 */
export { ENV, clusterSecretKey } from "./naming";
export { AGENT_SECRETS_BACKENDS, AgentSecretsBackend } from "./secrets/validation";
export { jobSecretEnv } from "./secrets/job-env";
export { validateAgentSecretsArgs } from "./secrets/args";
export { secretAccessPolicy, type SecretAccessPolicyArgs } from "./secrets/access-policy";
export { renderEnvironmentHook, type HookPipeline, type HookSecretRef } from "./secrets/hook-script";
export { renderElasticStackEnvFile, type ElasticStackEnvFileArgs } from "./secrets/env-file";
export { secretsReadPolicy, type SecretsReadPolicyArgs } from "./secrets/iam";
