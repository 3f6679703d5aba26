/**
 * The pure renderer: {@link PipelineModel} -> Buildkite pipeline document and YAML.
 *
 * - One command step per image; several images are wrapped in one group step
 *   (`group: ":docker: Images"`, `key: images`).
 * - Every string is escaped for Buildkite interpolation (`$` -> `$$`) after the document is built,
 *   so runtime variables reach the job's shell untouched, and no value is ever expanded by Buildkite.
 * - Key order is fixed ({@link COMMAND_STEP_KEY_ORDER}); maps are sorted; YAML is emitted with the
 *   YAML 1.1 quoting rules (Buildkite reads `yes`/`on` as booleans otherwise) and no line folding.
 */
import { stringify } from "yaml";
import { ENV, stepGetsSecret } from "../naming";
import {
  COMMAND_STEP_KEY_ORDER,
  GROUP_STEP_KEY_ORDER,
  type AutomaticRetryRule,
  type CommandStep,
  type GroupStep,
  type PipelineDocument,
  type PluginEntry,
} from "./document";
import { escapeDocument } from "./interpolation";
import type { DeliveryMode, ImageBuild, PipelineModel } from "./model";
import { renderStepScript } from "./script";
import { assertRenderableModel, IMAGES_GROUP_KEY, IMAGES_GROUP_LABEL } from "./validate";

/** Pinned plugin references (latest releases at the time of writing; see reference/buildkite.md). */
export const DOCKER_LOGIN_PLUGIN = "docker-login#v3.0.0";
export const AWS_ASSUME_ROLE_PLUGIN = "aws-assume-role-with-web-identity#v1.6.0";
export const ECR_PLUGIN = "ecr#v2.12.0";

/** Retry jobs lost with their agent (agent gone: exit -1; agent stopped: signal reason agent_stop). */
export const AGENT_LOSS_RETRY: readonly AutomaticRetryRule[] = [
  { exit_status: -1, limit: 2 },
  { signal_reason: "agent_stop", limit: 2 },
];

/** Label of the stored upload step in repository delivery. */
export const UPLOAD_STEP_LABEL = ":pipeline: Upload";
export const UPLOAD_COMMAND = "buildkite-agent pipeline upload";

function sorted(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(record).sort()) out[k] = record[k];
  return out;
}

/** Re-create an object with keys in `order`, dropping undefined values. */
function ordered<T extends object>(value: T, order: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const k of order) if (value[k] !== undefined) out[k] = value[k];
  const extra = (Object.keys(value) as (keyof T)[]).filter((k) => !order.includes(k) && value[k] !== undefined);
  if (extra.length > 0) throw new Error(`unordered keys: ${extra.map(String).join(", ")}`);
  return out as T;
}

/** The plugins of one image step, in the order that works (docker-login, assume-role, ecr). */
export function imagePlugins(image: ImageBuild, model: PipelineModel): PluginEntry[] {
  const plugins: PluginEntry[] = [];
  const toDockerHub = image.destinations.some((d) => d.kind === "dockerhub");
  const toEcr = image.destinations.some((d) => d.kind === "ecr");
  // docker-login first: with isolate-config it switches DOCKER_CONFIG in its environment hook, and
  // a login done before that switch (ecr) would be lost.
  if (model.dockerhub && toDockerHub) {
    plugins.push({ [DOCKER_LOGIN_PLUGIN]: { username: model.dockerhub.username, "password-env": model.dockerhub.passwordEnv } });
  }
  if (model.ecr && toEcr) {
    // The assumed role's credentials must exist before ecr logs in (both run in the environment hook).
    if (model.ecr.mode === "oidc") {
      plugins.push({
        [AWS_ASSUME_ROLE_PLUGIN]: {
          "role-arn": model.ecr.roleArn,
          ...(model.ecr.sessionTags.length > 0 ? { "session-tags": [...model.ecr.sessionTags] } : {}),
        },
      });
    }
    plugins.push({ [ECR_PLUGIN]: { login: true, "account-ids": [...model.ecr.accountIds], region: model.ecr.region } });
  }
  return plugins;
}

/** Step env: `DEPOT_PROJECT_ID` (+ `DEPOT_DEBUG_OIDC`), then the image's plain env, sorted. Never a token. */
export function imageEnv(image: ImageBuild, model: PipelineModel): Record<string, string> {
  return {
    [ENV.depotProjectId]: model.depotProjectId,
    ...(model.auth === "oidc" && model.debugOidc ? { DEPOT_DEBUG_OIDC: "1" } : {}),
    ...sorted(image.env),
  };
}

/**
 * The step's `secrets:` map (buildkite backend): every secret the pipeline has, except Docker Hub
 * credentials on steps that do not push to Docker Hub (least privilege per job).
 */
function stepSecrets(image: ImageBuild, model: PipelineModel): Record<string, string> | undefined {
  if (model.secretsBackend !== "buildkite") return undefined;
  const pushesDockerhub = image.destinations.some((d) => d.kind === "dockerhub");
  const wanted = Object.fromEntries(Object.entries(model.secretEnv).filter(([name]) => stepGetsSecret(name, pushesDockerhub)));
  return Object.keys(wanted).length > 0 ? sorted(wanted) : undefined;
}

/** One image's command step, in agent form (not yet escaped). */
function imageStep(image: ImageBuild, model: PipelineModel): CommandStep {
  const plugins = imagePlugins(image, model);
  const secrets = stepSecrets(image, model);
  return ordered<CommandStep>(
    {
      label: image.label ?? `:docker: ${image.key}`,
      key: image.key,
      depends_on: image.dependsOn.length > 0 ? [...image.dependsOn] : undefined,
      branches: image.branches?.join(" "),
      agents: { queue: image.queue ?? model.queue },
      timeout_in_minutes: image.timeoutInMinutes,
      retry: { automatic: AGENT_LOSS_RETRY.map((r) => ({ ...r })) },
      concurrency: image.concurrency?.limit,
      concurrency_group: image.concurrency?.group,
      secrets,
      env: imageEnv(image, model),
      plugins: plugins.length > 0 ? plugins : undefined,
      command: renderStepScript(image, model),
      artifact_paths: image.metadataFile !== undefined ? [image.metadataFile] : undefined,
    },
    COMMAND_STEP_KEY_ORDER,
  );
}

/**
 * Render the pipeline document as stored in Buildkite (every string escaped for interpolation).
 * Throws one error listing every problem when the model is invalid.
 */
export function renderPipeline(model: PipelineModel): PipelineDocument {
  assertRenderableModel(model);
  const steps = model.images.map((image) => imageStep(image, model));
  const doc: PipelineDocument =
    steps.length === 1
      ? { steps }
      : { steps: [ordered<GroupStep>({ group: IMAGES_GROUP_LABEL, key: IMAGES_GROUP_KEY, steps }, GROUP_STEP_KEY_ORDER)] };
  return escapeDocument(doc);
}

/** Serialise a document with stable formatting. */
export function toYaml(doc: object): string {
  return stringify(doc, { version: "1.1", lineWidth: 0, minContentWidth: 0 });
}

/** The full pipeline YAML (what `managed` delivery stores, or `.buildkite/pipeline.yml` in `repository`). */
export function renderPipelineYaml(model: PipelineModel): string {
  return toYaml(renderPipeline(model));
}

/**
 * What Pulumi stores in the pipeline's settings (`Pipeline.steps`).
 *
 * - `managed`: the full YAML.
 * - `repository`: one step that runs `buildkite-agent pipeline upload`; the full YAML then lives in
 *   the application repository at `.buildkite/pipeline.yml` (the synth writes it). This step has no
 *   `$` at all, so it can be signed (`getSignedSteps` rejects any interpolation).
 *
 * @param options.queue agent queue for the upload step (e.g. a signing uploader queue). Omitted: the
 *   cluster's default queue.
 */
export function renderStoredSteps(mode: DeliveryMode, fullYaml: string, options: { queue?: string } = {}): string {
  switch (mode) {
    case "managed":
      return fullYaml;
    case "repository": {
      if (options.queue !== undefined && (options.queue.includes("$") || options.queue.trim() === "")) {
        throw new Error(`[queue] ${JSON.stringify(options.queue)} is not a valid queue for the upload step`);
      }
      const step = {
        label: UPLOAD_STEP_LABEL,
        ...(options.queue !== undefined ? { agents: { queue: options.queue } } : {}),
        command: UPLOAD_COMMAND,
      };
      return toYaml({ steps: [step] });
    }
    default: {
      const never: never = mode;
      throw new Error(`unknown delivery mode ${String(never)}`);
    }
  }
}
