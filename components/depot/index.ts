/**
 * Depot as code: projects, Buildkite OIDC trust policies and project tokens over Depot's API
 * (organization token), plus a pure trust-relationship record for configuration-only mode.
 */
export {
  DepotProject,
  DepotProjectToken,
  DepotTrustPolicy,
  type DepotApiArgs,
  type DepotProjectArgs,
  type DepotProjectTokenArgs,
  type DepotTrustPolicyArgs,
} from "./resources";
export {
  defaultTokenConfigKey,
  depotHardwareNames,
  type DepotCachePolicy,
  type DepotHardware,
  type DepotHardwareName,
  type DepotRetrySettings,
} from "./provider";
export {
  depotTrustRelationship,
  describeDepotTrustRelationship,
  validateDepotTrustRelationship,
  type DepotTrustRelationship,
} from "./trust";
