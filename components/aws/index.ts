/** AWS side of depot-buildkite: ECR repositories and keyless (OIDC) access for Buildkite jobs. */
export { EcrRepository, EcrEncryptionType, ImageTagMutability } from "./ecr-repository";
export type { EcrRepositoryArgs, EcrLifecycleArgs } from "./ecr-repository";
export { BuildkiteOidcProvider } from "./buildkite-oidc-provider";
export type { BuildkiteOidcProviderArgs } from "./buildkite-oidc-provider";
export { BuildkiteOidcRole } from "./buildkite-oidc-role";
export type { BuildkiteOidcRoleArgs } from "./buildkite-oidc-role";
export { AgentRoleEcrAccess } from "./agent-role-ecr-access";
export type { AgentRoleEcrAccessArgs } from "./agent-role-ecr-access";
export {
  BUILDKITE_AUD_KEY,
  BUILDKITE_OIDC_HOST,
  BUILDKITE_OIDC_ISSUER,
  BUILDKITE_SUB_KEY,
  ECR_AUTH_TOKEN_ACTION,
  ECR_PULL_ACTIONS,
  ECR_PUSH_ACTIONS,
  STS_AUDIENCE,
  accountIdProblems,
  buildkiteProviderArn,
  buildkiteProviderArnProblems,
  buildkiteSubject,
  buildkiteTrustPolicy,
  buildkiteTrustPolicyProblems,
  ecrCrossAccountPullPolicy,
  ecrPushPolicy,
  ecrPushPolicyProblems,
  ecrRepositoryArnProblems,
  usesSessionTags,
  validateIdentityPolicy,
  validateTrustPolicy,
} from "./policies";
export type {
  BuildkiteSessionTags,
  BuildkiteSubjectArgs,
  BuildkiteTrustPolicyArgs,
  EcrPushPolicyArgs,
  PolicyDocument,
  PolicyPrincipal,
  PolicyStatement,
  TrustArgNames,
} from "./policies";
export {
  DEFAULT_UNTAGGED_EXPIRE_DAYS,
  LIFECYCLE_PRIORITY,
  LifecycleCountType,
  LifecycleTagStatus,
  PER_BUILD_TAG_VARIABLES,
  REPOSITORY_NAME_PATTERN,
  buildLifecyclePolicy,
  isMovingTag,
  lifecyclePolicyProblems,
  movingTagProblems,
  validateRepositoryName,
} from "./ecr-rules";
export type { LifecyclePolicyArgs, LifecyclePolicyDocument, LifecyclePolicyRule, LifecycleRuleArgs } from "./ecr-rules";
