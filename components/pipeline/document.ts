/**
 * Typed Buildkite pipeline document: the subset of the pipeline YAML schema the renderer writes.
 * Field names are Buildkite's (snake_case). Optional fields are omitted, never `undefined` in output.
 */

/** `retry.automatic` rule (schema `automaticRetry`). */
export interface AutomaticRetryRule {
  exit_status?: number | "*";
  signal_reason?: "*" | "none" | "agent_incompatible" | "agent_refused" | "agent_stop" | "cancel" | "process_run_error" | "signature_rejected" | "stack_error";
  limit: number;
}

/** Plugin options: plain YAML values. */
export type PluginOptions = Record<string, string | boolean | number | string[]>;

/** One plugin: a single-key object `{ "name#vX.Y.Z": options }` (schema `pluginsList`). */
export type PluginEntry = Record<string, PluginOptions>;

/** A command step. Key order here is the rendered order (see {@link COMMAND_STEP_KEY_ORDER}). */
export interface CommandStep {
  label: string;
  key: string;
  depends_on?: string[];
  branches?: string;
  agents: { queue: string };
  timeout_in_minutes: number;
  retry: { automatic: AutomaticRetryRule[] };
  concurrency?: number;
  concurrency_group?: string;
  /** Buildkite secrets, map form `{ ENV_NAME: clusterSecretKey }` (agent >= 3.106). */
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  plugins?: PluginEntry[];
  command: string;
  artifact_paths?: string[];
}

/** A group step wrapping the image steps (groups are never nested). */
export interface GroupStep {
  group: string;
  key: string;
  steps: CommandStep[];
}

export type PipelineStep = CommandStep | GroupStep;

export interface PipelineDocument {
  steps: PipelineStep[];
}

/**
 * The order of keys in a rendered command step. Deterministic order keeps `pulumi preview` diffs
 * small and readable.
 */
export const COMMAND_STEP_KEY_ORDER = [
  "label",
  "key",
  "depends_on",
  "branches",
  "agents",
  "timeout_in_minutes",
  "retry",
  "concurrency",
  "concurrency_group",
  "secrets",
  "env",
  "plugins",
  "command",
  "artifact_paths",
] as const satisfies readonly (keyof CommandStep)[];

/** The order of keys in a rendered group step. */
export const GROUP_STEP_KEY_ORDER = ["group", "key", "steps"] as const satisfies readonly (keyof GroupStep)[];

export function isGroupStep(step: PipelineStep): step is GroupStep {
  return "group" in step;
}
