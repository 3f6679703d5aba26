/** Pure pipeline rendering: model -> Buildkite YAML, depot flags, interpolation escaping. */
export * from "./model";
export type * from "./args";
export * from "./from-args";
export * from "./document";
export { escapeInterpolation, escapeDocument, toAgentShell } from "./interpolation";
export { quoteWord, singleQuote, storedWord, expandWord, lit, flag, param, type ShellWord, type WordPart } from "./shell";
export {
  BRANCH_TAG_VAR,
  DOCKER_TAG_PATTERN,
  TAG_VARIABLE_PARAMS,
  TAG_VARIABLE_SAMPLES,
  branchTagBudget,
  parseTagTemplate,
  tagTemplateProblems,
  tagVariables,
  type TagPart,
} from "./tags";
export { depotBuildArgs, depotBuildArgGroups, depotBuildWords, defaultLocalName, type ArgGroup } from "./depot-args";
export { renderStepScript, DEPOT_LOGIN_CONFIG } from "./script";
export {
  IMAGES_GROUP_KEY,
  IMAGES_GROUP_LABEL,
  RESERVED_ENV,
  assertRenderableModel,
  isValidStepKey,
  pipelineModelProblems,
} from "./validate";
export {
  AGENT_LOSS_RETRY,
  AWS_ASSUME_ROLE_PLUGIN,
  DOCKER_LOGIN_PLUGIN,
  ECR_PLUGIN,
  UPLOAD_COMMAND,
  UPLOAD_STEP_LABEL,
  imageEnv,
  imagePlugins,
  renderPipeline,
  renderPipelineYaml,
  renderStoredSteps,
  toYaml,
} from "./render";
