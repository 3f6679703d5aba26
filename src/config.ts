/**
 * Reads and validates the stack configuration once, and turns it into one typed settings object.
 *
 * `parseStackConfig` is pure (tests and the offline synth call it directly); `loadSettings` reads
 * Pulumi's config and throws a `pulumi.RunError` (no stack trace) listing every problem at once.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import {
  PipelineConfig,
  SECRET_KEYS,
  SecretKey,
  StackConfig,
  topLevelSchema,
} from "./config-schema";
import { DestinationKind, type DepotAuthMode, type SecretsBackend } from "../components/pipeline/model";
import { tagTemplateProblems } from "../components/pipeline/tags";
import { isMovingTag } from "../components/aws/ecr-rules";
import { pipelineModelProblems } from "../components/pipeline/validate";
import { cronlineProblems } from "../components/pipeline/cron";
import { renderPipeline } from "../components/pipeline/render";
import { slugToIdentifier } from "../components/naming";
import { buildPipelineModel, pushesTo, standInRefs } from "./pipeline-model";

export const PROJECT = "depot-buildkite";

/** One configuration problem: where, and what is wrong. */
export interface ConfigProblem {
  /** Full config path, e.g. `depot-buildkite:pipelines[0].images[1].platforms[0]`. */
  path: string;
  message: string;
}

export interface ResolvedPipeline {
  config: PipelineConfig;
  /** Index in `pipelines`, for error paths. */
  index: number;
  auth: DepotAuthMode;
  secretsBackend: SecretsBackend;
  queue: string;
}

export interface Settings {
  project: string;
  config: StackConfig;
  pipelines: ResolvedPipeline[];
  /** Secret keys that are set (values are read separately as Pulumi secrets). */
  secretsSet: SecretKey[];
  /** True when the Depot organization token is set: Depot resources are managed by this stack. */
  manageDepot: boolean;
  warnings: string[];
}

export type ParseResult =
  | { ok: true; settings: Settings }
  | { ok: false; problems: ConfigProblem[]; missingSecrets: { key: SecretKey; why: string }[] };

/** Raw configuration as the Pulumi engine hands it over: `namespace:key` -> string (objects as JSON). */
export interface RawConfig {
  config: Record<string, string>;
  secretKeys: string[];
  project?: string;
}

export function formatPath(project: string, path: ReadonlyArray<PropertyKey>): string {
  let out = `${project}:`;
  path.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? String(seg) : `.${String(seg)}`;
  });
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Edit distance, for "did you mean" hints. */
export function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** How many edits still make `key` a likely typo of another key. */
const typoDistance = (key: string) => Math.max(2, Math.floor(key.length / 3));

export function didYouMean(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: levenshtein(key, k) }))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))[0];
  const hint = best && best.d <= typoDistance(key) ? ` Did you mean "${best.k}"?` : "";
  return `${hint} Allowed keys: ${known.join(", ")}.`;
}

/** The parts of a zod 4 schema's definition that the key walkers read. */
export interface ZodNode {
  _zod: { def: { type: string; shape?: Record<string, ZodNode>; innerType?: ZodNode; element?: ZodNode; valueType?: ZodNode; in?: ZodNode } };
}

/** A schema without its optional / default / nullable / pipe wrappers. */
export function unwrapSchema(n: ZodNode): ZodNode {
  let cur = n;
  for (;;) {
    const d = cur._zod.def;
    if ((d.type === "optional" || d.type === "default" || d.type === "nullable" || d.type === "prefault") && d.innerType) cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else return cur;
  }
}

/** The keys an object schema allows at `path` (for unknown-key hints). */
function knownKeysAt(path: ReadonlyArray<PropertyKey>): string[] {
  let node = topLevelSchema as unknown as ZodNode;
  for (const seg of path) {
    node = unwrapSchema(node);
    const d = node._zod.def;
    if (typeof seg === "number" && d.type === "array" && d.element) node = d.element;
    else if (d.type === "object" && d.shape && typeof seg === "string" && d.shape[seg]) node = d.shape[seg];
    else if (d.type === "record" && d.valueType) node = d.valueType;
    else return [];
  }
  node = unwrapSchema(node);
  return node._zod.def.type === "object" && node._zod.def.shape ? Object.keys(node._zod.def.shape) : [];
}

/** The `pulumi config set --secret` arguments for a misplaced secret-looking key (e.g. `dockerhub.token`). */
function secretKeyFor(path: readonly PropertyKey[], key: string): string | undefined {
  if (path.length !== 1 || !/token|password|secret/i.test(key)) return undefined;
  switch (path[0]) {
    case "dockerhub":
      return "dockerhubToken";
    case "depot":
      return /org/i.test(key) ? "depotOrgToken" : "depotToken";
    case "buildkite":
      // The Buildkite provider's API token is its own key, outside this project's namespace.
      return /api/i.test(key) ? "buildkite:apiToken" : undefined;
    default:
      return undefined;
  }
}

function zodProblems(project: string, issues: z.core.$ZodIssue[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const secret = secretKeyFor(issue.path, key);
          out.push({
            path: formatPath(project, [...issue.path, key]),
            message: secret
              ? `unknown key. Secrets are not stored in plain config: remove it and run \`pulumi config set --secret ${secret}\`.`
              : `unknown key.${didYouMean(key, knownKeysAt(issue.path))}`,
          });
        }
        break;
      case "invalid_value":
        out.push({
          path: formatPath(project, issue.path),
          message: `${show(input)} is not allowed; expected one of ${issue.values.map((v) => show(v)).join(", ")}.`,
        });
        break;
      case "invalid_type":
        out.push({
          path: formatPath(project, issue.path),
          message:
            input === undefined
              ? `is required (expected ${issue.expected}).`
              : `${show(input)} has the wrong type; expected ${issue.expected}.`,
        });
        break;
      case "invalid_union":
        out.push({ path: formatPath(project, issue.path), message: `${show(input)} is not allowed; expected a boolean or a non-empty string.` });
        break;
      default:
        out.push({ path: formatPath(project, issue.path), message: `${show(input)} ${issue.message.replace(/^Invalid input: /, "")}.`.replace(/\.\.$/, ".") });
    }
  }
  return out;
}

const DOCKERHUB_REPO = /^[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Cross-field checks on a config that passed the schema. */
function crossProblems(project: string, cfg: StackConfig, secretsSet: Set<SecretKey>, warnings: string[]): { problems: ConfigProblem[]; missing: { key: SecretKey; why: string }[] } {
  const problems: ConfigProblem[] = [];
  const missing = new Map<SecretKey, string>();
  const p = (path: PropertyKey[], message: string) => problems.push({ path: formatPath(project, path), message });
  const need = (key: SecretKey, why: string) => {
    if (!secretsSet.has(key) && !missing.has(key)) missing.set(key, why);
  };
  const orgToken = secretsSet.has("depotOrgToken");

  if (cfg.depot.projectId && cfg.depot.project) {
    p(["depot"], `set either "projectId" (an existing project) or "project" (create one), not both.`);
  } else if (!cfg.depot.projectId && !cfg.depot.project) {
    p(["depot"], `needs "projectId" (an existing Depot project) or "project" (a project this stack creates).`);
  } else if (cfg.depot.project && !orgToken) {
    need("depotOrgToken", `"depot.project" creates a Depot project, which needs the organization token`);
  }

  const slugs = new Map<string, number>();
  // The cluster is named once, for the first pipeline that reads Buildkite secrets.
  let clusterChecked = false;
  cfg.pipelines.forEach((pl, i) => {
    const prev = slugs.get(pl.slug);
    if (prev !== undefined) p(["pipelines", i, "slug"], `"${pl.slug}" is already used by pipelines[${prev}]; slugs must be unique.`);
    else slugs.set(pl.slug, i);

    const auth = pl.auth ?? cfg.depot.auth;
    const backend = pl.secretsBackend ?? cfg.secrets.backend;
    if (auth === "user-token") {
      warnings.push(`pipelines[${i}] (${pl.slug}) uses a Depot user token: user tokens are meant for local use; prefer "oidc" or "project-token".`);
      need("depotToken", `pipeline "${pl.slug}" authenticates with a Depot user token`);
    }
    if (auth === "project-token" && !orgToken) need("depotToken", `pipeline "${pl.slug}" uses a project token and no organization token is set to create one`);
    if (pl.sign && pl.delivery !== "repository") p(["pipelines", i, "sign"], `signing applies to the stored upload step; set "delivery: repository" or remove "sign".`);
    if (pl.sign) need("signingJwks", `pipeline "${pl.slug}" signs its stored step`);
    const needsSecretsDelivery = auth !== "oidc" || pl.images.some((im) => pushesTo(im, DestinationKind.Dockerhub));
    if (needsSecretsDelivery && backend === "buildkite" && !clusterChecked) {
      clusterChecked = true;
      if (!cfg.buildkite.clusterUuid) {
        p(["buildkite", "clusterUuid"], `is required: pipeline "${pl.slug}" reads its secrets from Buildkite secrets, which live in a cluster (give the cluster UUID).`);
      }
      if (!cfg.buildkite.clusterId) {
        p(["buildkite", "clusterId"], `is required: pipeline "${pl.slug}" reads Buildkite secrets, which only jobs of pipelines in their cluster can read (give the cluster's GraphQL ID).`);
      }
    }
    if (needsSecretsDelivery && backend === "elastic-stack" && !cfg.secrets.elasticStack) {
      p(["secrets", "elasticStack"], `is required: pipeline "${pl.slug}" uses the Elastic CI Stack secrets bucket (give its bucket name).`);
    }

    const keys = new Map<string, number>();
    pl.images.forEach((im, j) => {
      const base: PropertyKey[] = ["pipelines", i, "images", j];
      const prevKey = keys.get(im.key);
      if (prevKey !== undefined) p([...base, "key"], `"${im.key}" is already used by images[${prevKey}] of this pipeline; image keys must be unique.`);
      else keys.set(im.key, j);

      const seen = new Set<string>();
      im.destinations.forEach((d, k) => {
        const at = [...base, "destinations", k];
        if (seen.has(d)) p(at, `"${d}" is listed twice.`);
        seen.add(d);
        const [kind, ...rest] = d.split(":");
        const name = rest.join(":");
        if (kind === "dockerhub") {
          if (!DOCKERHUB_REPO.test(name)) p(at, `"${d}" is not a Docker Hub repository; expected dockerhub:NAMESPACE/REPO in lower case.`);
          if (!cfg.dockerhub) p(at, `"${d}" pushes to Docker Hub, but "dockerhub" is not configured (set dockerhub.username).`);
          need("dockerhubToken", `image "${im.key}" of pipeline "${pl.slug}" pushes to Docker Hub`);
        } else if (kind === "ecr") {
          const repos = cfg.ecr?.repositories ?? {};
          if (!cfg.ecr) p(at, `"${d}" pushes to ECR, but "ecr" is not configured.`);
          else if (!Object.hasOwn(repos, name)) {
            const known = Object.keys(repos);
            p(at, `"${d}" names an ECR repository that is not configured under ecr.repositories.${known.length ? didYouMean(name, known).replace("Allowed keys", "Configured") : " None are configured."}`);
          } else if (repos[name].imageTagMutability === "IMMUTABLE") {
            for (const tag of im.tags) {
              if (isMovingTag(tag)) p([...base, "tags"], `"${tag}" is a moving tag and "${d}" is IMMUTABLE; use a per-build tag such as {short_commit} or make the repository MUTABLE.`);
            }
          }
        } else {
          p(at, `"${d}" is not a destination; expected "dockerhub:NAMESPACE/REPO" or "ecr:NAME".`);
        }
      });
      // An OIDC role limited to some branches refuses every other build: say so before jobs fail.
      const trusted = cfg.ecr?.access === "oidc" ? cfg.ecr.branches : undefined;
      if (trusted && pushesTo(im, DestinationKind.Ecr)) {
        const exactSubset = (names: readonly string[] | undefined) => names !== undefined && names.length > 0 && names.every((b) => trusted.includes(b));
        // The step's own `branches` filter applies to every build. The pipeline's branch filter does
        // not apply to pull requests (Buildkite's docs), so it counts only without them, and only
        // when every schedule builds a trusted branch.
        const pipelineBranches = pl.branchConfiguration?.trim().split(/\s+/);
        const byPipeline =
          !pl.buildPullRequests &&
          pipelineBranches !== undefined &&
          pipelineBranches.every((b) => !/[*!]/.test(b)) &&
          exactSubset(pipelineBranches) &&
          pl.schedules.every((s) => trusted.includes(s.branch ?? pl.defaultBranch));
        const limited = exactSubset(im.branches) || byPipeline;
        if (!limited) {
          warnings.push(
            `pipelines[${i}].images[${j}] (${pl.slug}/${im.key}) pushes to ECR, but ecr.branches trusts only ${trusted.join(", ")}: its builds of other branches${pl.buildPullRequests ? " and of pull requests" : ""} will fail to assume the role. Limit the image with "branches: [${trusted.join(", ")}]".`,
          );
        }
      }
      const push = im.push ?? im.destinations.length > 0;
      if (push && im.destinations.length === 0) p([...base, "push"], `push is true but the image has no destinations; add one (dockerhub:... or ecr:...).`);
      if (!push && im.destinations.length > 0) p([...base, "push"], `push is false but destinations are listed; remove them or the push flag.`);
      if (im.saveTags.length > 0 && !im.save) p([...base, "saveTags"], `save tags need "save: true".`);
      if (im.lintFailOn && !im.lint) p([...base, "lintFailOn"], `needs "lint: true".`);
      if (new Set(im.platforms).size !== im.platforms.length) p([...base, "platforms"], `${show(im.platforms)} lists a platform twice.`);
      if (im.load && im.platforms.length > 1) {
        warnings.push(`pipelines[${i}].images[${j}] (${pl.slug}/${im.key}) loads a ${im.platforms.length}-platform image: --load brings back only the agent's platform.`);
      }
      if (!push && !im.load && !im.save) {
        warnings.push(`pipelines[${i}].images[${j}] (${pl.slug}/${im.key}) neither pushes, loads nor saves: the result stays in Depot's build cache only.`);
      }
      im.tags.forEach((t, k) => tagTemplateProblems(t).forEach((msg) => p([...base, "tags", k], `${msg}.`)));
      im.saveTags.forEach((t, k) => tagTemplateProblems(t).forEach((msg) => p([...base, "saveTags", k], `${msg}.`)));
      im.dependsOn.forEach((dep, k) => {
        if (dep === im.key) p([...base, "dependsOn", k], `an image cannot depend on itself.`);
        else if (!pl.images.some((o) => o.key === dep)) p([...base, "dependsOn", k], `"${dep}" is not an image key of this pipeline; keys: ${pl.images.map((o) => o.key).join(", ")}.`);
      });
    });

    const teamIds = new Set<string>();
    pl.teams.forEach((t, k) => {
      if (teamIds.has(t.teamId)) p(["pipelines", i, "teams", k, "teamId"], `"${t.teamId}" is listed twice.`);
      teamIds.add(t.teamId);
    });
    const scheduleKeys = new Set<string>();
    pl.schedules.forEach((s, k) => {
      if (scheduleKeys.has(s.key)) p(["pipelines", i, "schedules", k, "key"], `"${s.key}" is listed twice.`);
      scheduleKeys.add(s.key);
      for (const problem of cronlineProblems(s.cronline)) p(["pipelines", i, "schedules", k, "cronline"], `${problem}.`);
    });
  });

  // Cluster secret keys are `${ENV}_${SLUG_AS_IDENTIFIER}`: two slugs must not map to one key.
  const secretKeyOwners = new Map<string, number>();
  cfg.pipelines.forEach((pl, i) => {
    const backend = pl.secretsBackend ?? cfg.secrets.backend;
    const auth = pl.auth ?? cfg.depot.auth;
    const receives = auth !== "oidc" || (cfg.dockerhub !== undefined && pl.images.some((im) => pushesTo(im, DestinationKind.Dockerhub)));
    if (backend !== "buildkite" || !receives) return;
    const id = slugToIdentifier(pl.slug);
    const prev = secretKeyOwners.get(id);
    if (prev !== undefined) {
      p(["pipelines", i, "slug"], `"${pl.slug}" and pipelines[${prev}] ("${cfg.pipelines[prev].slug}") would share the Buildkite secret keys *_${id}; choose slugs that differ in more than '-'.`);
    } else secretKeyOwners.set(id, i);
  });

  // A cluster's GraphQL ID is base64 of "Cluster---<UUID>": when it decodes so, it must name the same
  // cluster as clusterUuid, or the pipelines would join one cluster and their secrets live in another.
  const idUuid = clusterUuidOfGraphqlId(cfg.buildkite.clusterId);
  if (idUuid !== undefined && cfg.buildkite.clusterUuid !== undefined && idUuid !== cfg.buildkite.clusterUuid.toLowerCase()) {
    p(["buildkite", "clusterId"], `${show(cfg.buildkite.clusterId)} is the GraphQL ID of cluster ${idUuid}, but clusterUuid is ${cfg.buildkite.clusterUuid}; give the ID and UUID of the same cluster.`);
  }

  if (cfg.ecr?.access === "instance-role" && !cfg.ecr.agentRoleName) {
    p(["ecr", "agentRoleName"], `is required with "access: instance-role" (the agents' existing IAM role name).`);
  }
  for (const [name, repo] of Object.entries(cfg.ecr?.repositories ?? {})) {
    if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name) || name.length < 2 || name.length > 256) {
      p(["ecr", "repositories", name], `"${name}" is not a valid ECR repository name: 2-256 lower-case letters, digits, '.', '_', '-', '/'.`);
    }
    if (repo.encryption === "KMS" && !repo.kmsKeyArn) p(["ecr", "repositories", name, "kmsKeyArn"], `is required with "encryption: KMS".`);
    if (repo.encryption !== "KMS" && repo.kmsKeyArn) p(["ecr", "repositories", name, "kmsKeyArn"], `only applies with "encryption: KMS".`);
  }
  return { problems, missing: [...missing].map(([key, why]) => ({ key, why })) };
}

/**
 * Whether an unknown key looks like a misspelling of a known one: the same but for case, a prefix
 * either way (3 characters or more), or a few edits (fewer for short keys, none below 2 characters).
 */
function standsFor(key: string, known: readonly string[]): boolean {
  const k = key.toLowerCase();
  const edits = Math.min(typoDistance(k), Math.floor(k.length / 2));
  return known.some((name) => {
    const n = name.toLowerCase();
    return n === k || (k.length >= 3 && (n.startsWith(k) || k.startsWith(n))) || levenshtein(k, n) <= edits;
  });
}

/**
 * What of a config the schema rejected can still be cross-checked: a copy without the unknown keys
 * that stand for nothing known (already reported) and without the pipelines that have any other
 * problem, or an unknown key that looks like a misspelt known one. The pipelines stay at
 * their indices (the array has holes, which `forEach` skips), so problems keep their paths.
 * `undefined` when another kind of problem leaves nothing sound to check against (a top-level key
 * with a bad value, say): then only the schema's problems are reported.
 */
function salvage(data: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): StackConfig | undefined {
  const copy = structuredClone(data);
  const broken = new Set<number>();
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      // A misspelt known key (`repos`, `sav`, `clusterUUID`) leaves its object without the value
      // meant: cross-checking it would report problems that are only the typo's consequences.
      const known = knownKeysAt(issue.path);
      if (issue.keys.some((k) => standsFor(k, known))) {
        if (issue.path[0] === "pipelines" && typeof issue.path[1] === "number") {
          broken.add(issue.path[1]);
          continue;
        }
        return undefined;
      }
      let at: unknown = copy;
      for (const k of issue.path) at = at !== null && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[k] : undefined;
      if (at === null || typeof at !== "object") return undefined;
      for (const k of issue.keys) delete (at as Record<string, unknown>)[k];
    } else if (issue.path[0] === "pipelines" && typeof issue.path[1] === "number") {
      broken.add(issue.path[1]);
    } else {
      return undefined;
    }
  }
  const all = copy.pipelines;
  if (!Array.isArray(all)) return undefined;
  const kept = all.flatMap((pl, i) => (broken.has(i) ? [] : [{ pl, i }]));
  if (kept.length === 0) return undefined;
  const again = topLevelSchema.safeParse({ ...copy, pipelines: kept.map((k) => k.pl) });
  if (!again.success) return undefined;
  const pipelines: StackConfig["pipelines"] = new Array(all.length);
  kept.forEach((k, n) => (pipelines[k.i] = again.data.pipelines[n]));
  return { ...again.data, pipelines };
}

/** The UUID a cluster GraphQL ID (base64 of `Cluster---<UUID>`) stands for, or undefined when it is not one. */
export function clusterUuidOfGraphqlId(id: string | undefined): string | undefined {
  if (id === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return undefined;
  const m = /^Cluster---([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(Buffer.from(id, "base64").toString("utf8"));
  return m ? m[1].toLowerCase() : undefined;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

let lastParse: { key: string; result: ParseResult } | undefined;

/**
 * Validate a whole stack configuration. Pure: no Pulumi runtime needed. The last result is
 * remembered, so the offline synth (which validates before it starts the program) and the program
 * (which validates when it starts) do the work once.
 */
export function parseStackConfig(raw: RawConfig): ParseResult {
  const key = JSON.stringify([raw.project ?? PROJECT, raw.config, [...raw.secretKeys].sort()]);
  if (lastParse?.key === key) return lastParse.result;
  const result = parseUncached(raw);
  lastParse = { key, result };
  return result;
}

function parseUncached(raw: RawConfig): ParseResult {
  const project = raw.project ?? PROJECT;
  const problems: ConfigProblem[] = [];
  const data: Record<string, unknown> = {};
  const secretsSet = new Set<SecretKey>();
  const secretKeySet = new Set(raw.secretKeys);
  const knownTop = Object.keys(topLevelSchema.shape);
  const secretNames = Object.keys(SECRET_KEYS) as SecretKey[];
  // A key in a misspelt namespace is missing from the config: cross-checks would report its absence.
  let misplaced = false;

  for (const [fullKey, value] of Object.entries(raw.config)) {
    const m = /^([^:]+):(?:config:)?(.+)$/.exec(fullKey);
    if (m && m[1] !== project && levenshtein(m[1], project) <= 2) {
      // A near miss of the project namespace would otherwise be skipped as some provider's config.
      problems.push({ path: fullKey, message: `unknown namespace "${m[1]}". Did you mean "${project}:${m[2]}"?` });
      misplaced = true;
      continue;
    }
    if (!m || m[1] !== project) continue; // provider namespaces (aws:, buildkite:) are not ours
    const key = m[2];
    if ((secretNames as string[]).includes(key)) {
      if (!secretKeySet.has(fullKey)) {
        problems.push({ path: `${project}:${key}`, message: `is stored in plain text; remove it and run \`pulumi config set --secret ${key}\`.` });
      } else if (value.trim() === "") {
        problems.push({ path: `${project}:${key}`, message: `is empty; run \`pulumi config set --secret ${key}\` with the real value.` });
      } else {
        secretsSet.add(key as SecretKey);
      }
      continue;
    }
    if (!knownTop.includes(key)) {
      problems.push({ path: `${project}:${key}`, message: `unknown key.${didYouMean(key, [...knownTop, ...secretNames])}` });
      continue;
    }
    data[key] = parseValue(value);
  }

  const parsed = topLevelSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    problems.push(...zodProblems(project, parsed.error.issues));
    // Report the cross-field problems of what can be salvaged too, so that one run lists them all.
    const salvaged = misplaced ? undefined : salvage(data, parsed.error.issues);
    if (salvaged === undefined) return { ok: false, problems, missingSecrets: [] };
    const cross = crossProblems(project, salvaged, secretsSet, []);
    problems.push(...cross.problems);
    return { ok: false, problems, missingSecrets: cross.missing };
  }
  if (misplaced) return { ok: false, problems, missingSecrets: [] };
  const warnings: string[] = [];
  const cross = crossProblems(project, parsed.data, secretsSet, warnings);
  problems.push(...cross.problems);
  if (problems.length > 0 || cross.missing.length > 0) {
    return { ok: false, problems, missingSecrets: cross.missing };
  }
  const cfg = parsed.data;
  const settings: Settings = {
    project,
    config: cfg,
    pipelines: cfg.pipelines.map((pl, index) => ({
      config: pl,
      index,
      auth: pl.auth ?? cfg.depot.auth,
      secretsBackend: pl.secretsBackend ?? cfg.secrets.backend,
      queue: pl.queue ?? cfg.buildkite.defaultQueue,
    })),
    secretsSet: [...secretsSet].sort(),
    manageDepot: secretsSet.has("depotOrgToken"),
    warnings,
  };
  // Every accepted config must render: check each pipeline's model with stand-in resource values,
  // then render its document. A value the renderer cannot store (e.g. a backslash before `$`) is a
  // config error too. Serialising the document to YAML cannot fail, so it is left to the component.
  const refs = standInRefs(cfg);
  const modelProblems: ConfigProblem[] = [];
  const renderProblems: ConfigProblem[] = [];
  for (const pl of settings.pipelines) {
    const model = buildPipelineModel(cfg, pl, refs);
    const found = pipelineModelProblems(model);
    for (const m of found) {
      const at = /^\[(.+?)\] (.*)$/.exec(m);
      modelProblems.push(
        at ? { path: `${project}:pipelines[${pl.index}].${at[1]}`, message: at[2] } : { path: `${project}:pipelines[${pl.index}]`, message: m },
      );
    }
    if (found.length > 0) continue;
    try {
      renderPipeline(model);
    } catch (e) {
      renderProblems.push({ path: `${project}:pipelines[${pl.index}]`, message: `cannot be rendered: ${(e as Error).message}` });
    }
  }
  if (modelProblems.length > 0) return { ok: false, problems: modelProblems, missingSecrets: [] };
  if (renderProblems.length > 0) return { ok: false, problems: renderProblems, missingSecrets: [] };
  return { ok: true, settings };
}

/** The message printed for a failed parse: every problem, then every missing secret command. */
export function formatProblems(result: Extract<ParseResult, { ok: false }>, stack: string): string {
  const lines: string[] = [];
  if (result.problems.length > 0) {
    lines.push(`Stack "${stack}" has ${result.problems.length} configuration error${result.problems.length === 1 ? "" : "s"}:`);
    for (const pr of result.problems) lines.push(`  - ${pr.path}: ${pr.message}`);
  }
  if (result.missingSecrets.length > 0) {
    lines.push(`Stack "${stack}" is missing ${result.missingSecrets.length} secret${result.missingSecrets.length === 1 ? "" : "s"}; set ${result.missingSecrets.length === 1 ? "it" : "them"} with:`);
    for (const m of result.missingSecrets) lines.push(`  pulumi config set --secret ${m.key} --stack ${stack}    # ${m.why}`);
  }
  return lines.join("\n");
}

/** Read the stack's config from the Pulumi runtime; throw a RunError listing every problem. */
export function loadSettings(): Settings {
  const config = pulumi.runtime.allConfig();
  const rt = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  const secretKeys = Object.keys(config).filter((k) => rt.isConfigSecret?.(k) ?? false);
  const result = parseStackConfig({ config, secretKeys, project: pulumi.getProject() });
  if (!result.ok) throw new pulumi.RunError(formatProblems(result, pulumi.getStack()));
  for (const w of result.settings.warnings) pulumi.log.warn(w);
  return result.settings;
}

/** A secret config value as a Pulumi secret Output, or undefined when the settings say it is unset. */
export function secretConfig(settings: Settings, key: SecretKey): pulumi.Output<string> | undefined {
  return settings.secretsSet.includes(key) ? new pulumi.Config().requireSecret(key) : undefined;
}
