/**
 * The stack program: read and validate the stack's config once, compose the components, export
 * the outputs. Everything else lives in ./stack.ts (composition) and ../components (the library).
 */
import { loadSettings, secretConfig } from "./config";
import { defineStack } from "./stack";

const settings = loadSettings();
const out = defineStack(settings, {
  dockerhubToken: secretConfig(settings, "dockerhubToken"),
  depotToken: secretConfig(settings, "depotToken"),
  depotOrgToken: secretConfig(settings, "depotOrgToken"),
  signingJwks: secretConfig(settings, "signingJwks"),
});

/** Per pipeline: Buildkite URL, webhook URL and slug. */
export const pipelines = out.pipelines;
/** Per pipeline: the full rendered pipeline YAML (what jobs run). */
export const pipelineYaml = out.pipelineYaml;
/** Per pipeline: what Buildkite stores (the full YAML, or the upload step in repository mode). */
export const storedSteps = out.storedSteps;
/** The Depot project every pipeline builds in. */
export const depotProjectId = out.depotProjectId;
/** Configuration-only mode: trust relationships to add in Depot's dashboard. */
export const depotTrustRelationships = out.depotTrustRelationships;
/** ECR repository URLs by name. */
export const ecrRepositories = out.ecrRepositories;
/** Per pipeline: the IAM role its jobs assume with Buildkite OIDC (resolves after its policy exists). */
export const ecrRoleArns = out.ecrRoleArns;
/** The generated agent environment hook (hook backend). */
export const agentHookScript = out.agentHookScript;
/** Configuration warnings (also logged). */
export const warnings = out.warnings;
