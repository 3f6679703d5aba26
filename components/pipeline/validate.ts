/**
 * Pure checks on a {@link PipelineModel}. The renderer throws when any fails; the config layer
 * can call {@link pipelineModelProblems} first to report them all at once.
 */
import { ENV } from "../naming";
import {
  BUILD_PLATFORMS,
  CLI_INSTALL_MODES,
  DEPOT_AUTH_MODES,
  LINT_FAIL_ON,
  PLATFORMS,
  SECRETS_BACKENDS,
  type ImageBuild,
  type PipelineModel,
} from "./model";
import { hasEscapedDollar } from "./interpolation";
import { parseTagTemplate } from "./tags";

/** Key of the group step that wraps several images. */
export const IMAGES_GROUP_KEY = "images";
/** Label of that group step. */
export const IMAGES_GROUP_LABEL = ":docker: Images";

const STEP_KEY = /^[a-zA-Z0-9_\-:.,]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLUSTER_SECRET_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const CLI_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const ACCOUNT_ID = /^[0-9]{12}$/;

/**
 * Whether `key` is a valid Buildkite step key: `[a-zA-Z0-9_\-:.,]`, at most 100 characters, not
 * shaped like a UUID. (The schema also allows `$ { }` for interpolation; rendered keys never use it.)
 */
export function isValidStepKey(key: string): boolean {
  return key.length > 0 && key.length <= 100 && STEP_KEY.test(key) && !UUID.test(key);
}

/**
 * Environment variables the renderer owns or that must never be set from YAML: tokens would
 * beat OIDC or be stored in plain text, and `DEPOT_PUSH_REGISTRY_*` would be sent to every registry.
 */
export const RESERVED_ENV = [
  ENV.depotToken,
  "DEPOT_API_TOKEN",
  ENV.depotProjectId,
  "DEPOT_DEBUG_OIDC",
  "DEPOT_PUSH_REGISTRY_USERNAME",
  "DEPOT_PUSH_REGISTRY_PASSWORD",
  "DEPOT_PUSH_REGISTRY_AUTH",
] as const;

function oneOf<T extends string>(allowed: readonly T[], value: string): boolean {
  return (allowed as readonly string[]).includes(value);
}

const BACKSLASH_DOLLAR = 'has a backslash right before "$", which Buildkite reads as an escape when it stores the step';

function imageProblems(image: ImageBuild, at: string, model: PipelineModel): string[] {
  const p: string[] = [];
  if (!isValidStepKey(image.key)) {
    p.push(`[${at}.key] ${JSON.stringify(image.key)} is not a valid step key ([a-zA-Z0-9_-:.,], 1-100 characters, not a UUID)`);
  }
  if (image.context === "") p.push(`[${at}.context] must not be empty`);
  for (const platform of image.platforms) {
    if (!oneOf(PLATFORMS, platform)) p.push(`[${at}.platforms] ${JSON.stringify(platform)} is not one of ${PLATFORMS.join(", ")}`);
  }
  if (new Set(image.platforms).size !== image.platforms.length) p.push(`[${at}.platforms] lists a platform twice`);
  for (const name of Object.keys(image.buildArgs)) {
    if (name === "" || name.includes("=")) p.push(`[${at}.buildArgs] invalid name ${JSON.stringify(name)}`);
  }
  for (const name of Object.keys(image.buildContexts)) {
    if (name === "" || name.includes("=")) p.push(`[${at}.buildContexts] invalid name ${JSON.stringify(name)}`);
  }
  for (const name of Object.keys(image.labels)) {
    if (name === "" || name.includes("=")) p.push(`[${at}.labels] invalid name ${JSON.stringify(name)}`);
  }
  for (const s of image.secrets) {
    if (!/^[A-Za-z0-9_.-]+$/.test(s.id)) p.push(`[${at}.secrets] id ${JSON.stringify(s.id)} must match [A-Za-z0-9_.-]+`);
    if (!ENV_NAME.test(s.env)) p.push(`[${at}.secrets] env ${JSON.stringify(s.env)} is not a valid variable name`);
  }
  for (const t of [...image.tags, ...image.saveTags]) {
    p.push(...parseTagTemplate(t).problems.map((m) => `[${at}.tags] ${m}`));
  }
  if (image.saveTags.length > 0 && !image.save) p.push(`[${at}.saveTags] need [${at}.save] = true`);
  if (image.lintFailOn !== undefined && !oneOf(LINT_FAIL_ON, image.lintFailOn)) {
    p.push(`[${at}.lintFailOn] ${JSON.stringify(image.lintFailOn)} is not one of ${LINT_FAIL_ON.join(", ")}`);
  }
  if (image.buildPlatform !== undefined && !oneOf(BUILD_PLATFORMS, image.buildPlatform)) {
    p.push(`[${at}.buildPlatform] ${JSON.stringify(image.buildPlatform)} is not one of ${BUILD_PLATFORMS.join(", ")}`);
  }
  if (!Number.isInteger(image.timeoutInMinutes) || image.timeoutInMinutes < 1) {
    p.push(`[${at}.timeoutInMinutes] must be a whole number of minutes >= 1 (got ${image.timeoutInMinutes})`);
  }
  if (image.concurrency) {
    if (!Number.isInteger(image.concurrency.limit) || image.concurrency.limit < 1) {
      p.push(`[${at}.concurrency.limit] must be a whole number >= 1 (got ${image.concurrency.limit})`);
    }
    if (image.concurrency.group.trim() === "") p.push(`[${at}.concurrency.group] must not be empty`);
  }
  for (const b of image.branches ?? []) {
    if (b === "" || /\s/.test(b)) p.push(`[${at}.branches] pattern ${JSON.stringify(b)} must be non-empty and contain no spaces`);
  }
  if (image.branches !== undefined && image.branches.length === 0) p.push(`[${at}.branches] is empty: omit it to build every branch`);
  if (image.queue !== undefined && image.queue.trim() === "") p.push(`[${at}.queue] must not be empty`);
  for (const name of Object.keys(image.env)) {
    if (!ENV_NAME.test(name)) p.push(`[${at}.env] ${JSON.stringify(name)} is not a valid variable name`);
    if (oneOf(RESERVED_ENV, name)) p.push(`[${at}.env] must not set ${name} (the renderer owns it, or it is a secret)`);
    if (name in model.secretEnv) p.push(`[${at}.env] ${name} is also delivered as a secret`);
  }
  if (image.localName !== undefined && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(image.localName)) {
    p.push(`[${at}.localName] ${JSON.stringify(image.localName)} is not a valid image name (lower case, no tag)`);
  }
  (image.commands ?? []).forEach((c, i) => {
    if (c.trim() === "") p.push(`[${at}.commands[${i}]] must not be empty`);
    else if (c.includes("\0")) p.push(`[${at}.commands[${i}]] must not contain a NUL character`);
    else if (hasEscapedDollar(c)) p.push(`[${at}.commands[${i}]] ${BACKSLASH_DOLLAR}; for a literal "$", use single quotes: echo 'cost: $5'`);
  });
  for (const d of image.destinations) {
    if (d.repository === "" || /[\s:@]/.test(d.repository.replace(/^[^/]+:[0-9]+\//, "host/"))) {
      p.push(`[${at}.destinations] ${JSON.stringify(d.repository)} must be an image repository without tag or digest`);
    }
  }
  return p;
}

function cycleProblems(images: ImageBuild[]): string[] {
  const deps = new Map(images.map((i) => [i.key, i.dependsOn]));
  const state = new Map<string, "visiting" | "done">();
  const found: string[] = [];
  const visit = (key: string, trail: string[]): void => {
    if (state.get(key) === "done") return;
    if (state.get(key) === "visiting") {
      found.push(`[images.dependsOn] cycle: ${[...trail.slice(trail.indexOf(key)), key].join(" -> ")}`);
      return;
    }
    state.set(key, "visiting");
    for (const d of deps.get(key) ?? []) if (deps.has(d)) visit(d, [...trail, key]);
    state.set(key, "done");
  };
  for (const i of images) visit(i.key, []);
  return found;
}

/** Every problem that keeps the model from rendering. Empty means it renders. */
export function pipelineModelProblems(model: PipelineModel): string[] {
  const p: string[] = [];
  if (!/^[a-z0-9][a-z0-9-]*$/.test(model.slug)) p.push(`[slug] ${JSON.stringify(model.slug)} is not a Buildkite pipeline slug`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(model.organization)) {
    p.push(`[organization] ${JSON.stringify(model.organization)} is not a Buildkite organization slug`);
  }
  if (model.queue.trim() === "") p.push("[queue] must not be empty");
  if (!oneOf(DEPOT_AUTH_MODES, model.auth)) p.push(`[auth] ${JSON.stringify(model.auth)} is not one of ${DEPOT_AUTH_MODES.join(", ")}`);
  if (!oneOf(SECRETS_BACKENDS, model.secretsBackend)) {
    p.push(`[secretsBackend] ${JSON.stringify(model.secretsBackend)} is not one of ${SECRETS_BACKENDS.join(", ")}`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(model.depotProjectId)) {
    p.push(`[depotProjectId] ${JSON.stringify(model.depotProjectId)} is not a Depot project id`);
  }
  if (!oneOf(CLI_INSTALL_MODES, model.cli.install)) p.push(`[cli.install] ${JSON.stringify(model.cli.install)} is not one of ${CLI_INSTALL_MODES.join(", ")}`);
  if (model.cli.install === "script" && !CLI_VERSION.test(model.cli.version)) {
    p.push(`[cli.version] ${JSON.stringify(model.cli.version)} must be a pinned version like 2.102.12 (never "latest")`);
  }
  const secretNames = Object.keys(model.secretEnv);
  if (secretNames.length > 0 && model.secretsBackend !== "buildkite") {
    p.push(`[secretEnv] is only used with the buildkite secrets backend (backend is ${model.secretsBackend})`);
  }
  for (const [name, key] of Object.entries(model.secretEnv)) {
    if (!ENV_NAME.test(name)) p.push(`[secretEnv] ${JSON.stringify(name)} is not a valid variable name`);
    if (!CLUSTER_SECRET_KEY.test(key) || /^(buildkite|bk)/i.test(key)) {
      p.push(`[secretEnv.${name}] ${JSON.stringify(key)} is not a valid Buildkite secret key`);
    }
  }
  if (model.auth === "oidc" && (ENV.depotToken in model.secretEnv || "DEPOT_API_TOKEN" in model.secretEnv)) {
    p.push("[secretEnv] must not deliver DEPOT_TOKEN to an OIDC pipeline: any token silently disables OIDC");
  }
  if (model.auth !== "oidc" && model.secretsBackend === "buildkite" && !(ENV.depotToken in model.secretEnv)) {
    p.push(`[secretEnv] needs ${ENV.depotToken} for ${model.auth} authentication with the buildkite secrets backend`);
  }
  if (model.dockerhub) {
    if (model.dockerhub.username.trim() === "") p.push("[dockerhub.username] must not be empty");
    if (!ENV_NAME.test(model.dockerhub.passwordEnv)) p.push(`[dockerhub.passwordEnv] ${JSON.stringify(model.dockerhub.passwordEnv)} is not a valid variable name`);
  }
  if (model.ecr) {
    if (model.ecr.region.trim() === "") p.push("[ecr.region] must not be empty");
    for (const id of model.ecr.accountIds) if (!ACCOUNT_ID.test(id)) p.push(`[ecr.accountIds] ${JSON.stringify(id)} is not a 12-digit AWS account id`);
    if (model.ecr.accountIds.length === 0) p.push("[ecr.accountIds] must list the registry account");
    if (model.ecr.mode === "oidc" && !/^arn:[a-z-]+:iam::[0-9]{12}:role\/.+$/.test(model.ecr.roleArn)) {
      p.push(`[ecr.roleArn] ${JSON.stringify(model.ecr.roleArn)} is not an IAM role ARN`);
    }
  }
  if (model.images.length === 0) p.push("[images] must contain at least one image");
  const keys = new Set<string>();
  model.images.forEach((image, i) => {
    const at = `images[${i}]`;
    p.push(...imageProblems(image, at, model));
    if (keys.has(image.key)) p.push(`[${at}.key] ${JSON.stringify(image.key)} is used twice`);
    keys.add(image.key);
    if (model.images.length > 1 && image.key === IMAGES_GROUP_KEY) {
      p.push(`[${at}.key] ${JSON.stringify(IMAGES_GROUP_KEY)} is the key of the images group`);
    }
  });
  model.images.forEach((image, i) => {
    for (const d of image.dependsOn) {
      if (d === image.key) p.push(`[images[${i}].dependsOn] ${JSON.stringify(image.key)} depends on itself`);
      else if (!keys.has(d)) p.push(`[images[${i}].dependsOn] unknown image key ${JSON.stringify(d)}`);
    }
  });
  p.push(...cycleProblems(model.images));
  return p;
}

/** Throw one error listing every problem. */
export function assertRenderableModel(model: PipelineModel): void {
  const problems = pipelineModelProblems(model);
  if (problems.length > 0) {
    throw new Error(`Invalid pipeline model for ${JSON.stringify(model.slug)}:\n  - ${problems.join("\n  - ")}`);
  }
}
