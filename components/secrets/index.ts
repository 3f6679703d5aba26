/** Pure helpers of the agent secrets backends (no resources are created here). */
export { secretAccessPolicy, SecretAccessPolicyArgs } from "./access-policy";
export {
  assertNoDepotTokenForOidc,
  DEFAULT_HOOK_NAME_PREFIX,
  DEFAULT_HOOK_OBJECT_KEY,
  hookSecretName,
  validateAgentSecretsArgs,
  validateClusterUuid,
} from "./args";
export { ElasticStackEnvFileArgs, elasticStackEnvKey, renderElasticStackEnvFile } from "./env-file";
export { HookPipeline, HookSecretRef, renderEnvironmentHook } from "./hook-script";
export { IamPolicyDocument, IamStatement, secretsReadPolicy, SecretsReadPolicyArgs, SECRETS_READ_ACTIONS } from "./iam";
export { agentEnvNames, ELASTIC_STACK_ENV_ALIASES, jobSecretEnv } from "./job-env";
export { shellQuote } from "./shell";
export {
  AGENT_SECRETS_BACKENDS,
  AgentSecretsBackend,
  validateClusterSecretKey,
  validateEnvName,
  validateSecretValue,
} from "./validation";
