/**
 * fast-check generators of stack configurations, as the Pulumi engine hands them to the program
 * (`namespace:key` -> string, objects as JSON, plus the list of secret keys):
 *
 * - {@link validConfigArb}: configs built to satisfy the schema and most cross-field rules, with
 *   hostile values where the schema allows any string (env values, labels, names, build args);
 * - {@link mutatedConfigArb}: the example stacks (and generated configs) broken by 1-4 mutations:
 *   dropped keys, wrong types, unknown keys, random strings in enums, duplicate slugs, bad or
 *   prototype-named destinations, huge lists, non-JSON values, secrets in plain text;
 * - {@link stackConfigArb}: both.
 *
 * Every generator is built from plain data (picks are indices), so shrinking finds small cases.
 */
import fc from "fast-check";
import { readStackFile } from "../../src/stack-file";
import { REPO_ROOT } from "../../src/synth/run";
import { SECRET_KEYS, type SecretKey } from "../../src/config-schema";
import type { RawConfig } from "../../src/config";

export const PROJECT = "depot-buildkite";
/** One seed for every fuzz run: failures reproduce. */
export const FUZZ_SEED = 20_260_901;
const SECRET_NAMES = Object.keys(SECRET_KEYS) as SecretKey[];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keys that resolve to something on every plain object: lookups by them must use own properties. */
export const PROTOTYPE_NAMES = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf"] as const;

/** Strings chosen to break renderers: interpolation, quoting, YAML 1.1 booleans, newlines, unicode. */
const HOSTILE = [
  "$HOME",
  "${BUILDKITE_COMMIT}",
  "$$",
  "\\$x",
  "a\\\\$b",
  "`id`",
  "$(id)",
  "'q'",
  '"dq"',
  "line1\nline2",
  "yes",
  "on",
  "null",
  "~",
  "#c",
  "- x",
  ": y",
  "{a}",
  "%s",
  " lead",
  "trail ",
  "\t",
  "é🙂",
  "\u0000",
  "\\",
];

/** Mostly `good`, sometimes `bad`: configs stay valid often enough to reach the renderer. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, badWeight = 1): fc.Arbitrary<T> {
  return fc.oneof({ weight: 12, arbitrary: good }, { weight: badWeight, arbitrary: bad });
}
/** For values a config has many of (tags, env names): bad ones rarely, so a config is often valid. */
function rarely<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 80, arbitrary: good }, { weight: 1, arbitrary: bad });
}

const text = (maxLength = 16): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
  );
const nonEmptyText = (maxLength = 16) => text(maxLength).filter((s) => s.length > 0);
/** Names the renderer needs non-blank (queues, groups): blank only rarely. */
const word = rarely(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.constantFrom(" ", "\t", "a b"));
const slugArb = mostly(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,11}$/), fc.constantFrom("constructor", "a-b", "a--b", "a-", "images", "0"), 2);
const envName = rarely(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/).filter((n) => !n.startsWith("DEPOT_") && !n.startsWith("DOCKERHUB_")), fc.constantFrom("DEPOT_TOKEN", "DEPOT_PROJECT_ID", "DOCKERHUB_TOKEN", "PATH", "A$B", "1X", ""));
const stringMap = (keys: fc.Arbitrary<string>) => fc.dictionary(keys, text(), { maxKeys: 3 });
const TAGS = ["{short_commit}", "{commit}", "{branch}", "{build_number}", "{tag}", "latest", "v1-{build_number}", "{branch}-{short_commit}", "a.b_c-d", "x".repeat(128)];
const tagArb = rarely(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TAGS) }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,12}$/) }),
  fc.constantFrom("{nope}", ".bad", "x".repeat(129), "a b", "{branch"),
);
const repoNameArb = mostly(fc.stringMatching(/^[a-z0-9]{2,6}(?:[._-][a-z0-9]{1,3})?(?:\/[a-z0-9]{2,5})?$/), fc.constantFrom("constructor", "valueof"));

const imageArb = fc.record({
  key: rarely(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/).filter((k) => k !== "images"), fc.constantFrom("images", ":", ",.", "0", "a:b", "00000000-0000-0000-0000-000000000000")),
  label: fc.option(nonEmptyText(), { nil: undefined }),
  context: fc.option(nonEmptyText(), { nil: undefined }),
  dockerfile: fc.option(nonEmptyText(), { nil: undefined }),
  target: fc.option(nonEmptyText(), { nil: undefined }),
  platforms: fc.subarray(["linux/amd64", "linux/arm64"], { minLength: 1 }),
  buildArgs: stringMap(rarely(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/), fc.constantFrom("a=b", "", "X Y"))),
  labels: stringMap(rarely(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), fc.constantFrom("a=b", ""))),
  secrets: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,6}$/), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/), { maxKeys: 2 }),
  tags: fc.array(tagArb, { minLength: 1, maxLength: 3 }),
  destinationPicks: fc.array(fc.nat(), { maxLength: 3 }),
  load: fc.boolean(),
  save: fc.boolean(),
  saveTags: fc.array(tagArb, { maxLength: 2 }),
  provenance: fc.option(fc.oneof(fc.boolean(), fc.constantFrom("mode=max", "mode=min", "disabled")), { nil: undefined }),
  sbom: fc.option(fc.boolean(), { nil: undefined }),
  lint: fc.boolean(),
  noCache: fc.boolean(),
  metadataFile: fc.option(nonEmptyText(), { nil: undefined }),
  dependsOnPicks: fc.array(fc.nat(), { maxLength: 2 }),
  timeoutInMinutes: fc.option(fc.integer({ min: 1, max: 1440 }), { nil: undefined }),
  concurrency: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 5 }), group: word }), { nil: undefined }),
  branches: fc.option(fc.array(fc.constantFrom("main", "release/*", "feat-*"), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  queue: fc.option(word, { nil: undefined }),
  env: stringMap(envName),
});

const pipelineArb = fc.record({
  slug: slugArb,
  name: nonEmptyText(),
  repository: fc.oneof(fc.constantFrom("git@github.com:acme/app.git", "https://github.com/acme/app.git"), nonEmptyText()),
  description: fc.option(nonEmptyText(), { nil: undefined }),
  auth: fc.option(fc.constantFrom("oidc", "project-token", "user-token"), { nil: undefined }),
  secretsBackend: fc.option(fc.constantFrom("buildkite", "hook", "elastic-stack"), { nil: undefined }),
  delivery: fc.constantFrom("managed", "repository"),
  sign: fc.boolean(),
  queue: fc.option(word, { nil: undefined }),
  buildPullRequestForks: fc.option(fc.boolean(), { nil: undefined }),
  teams: fc.uniqueArray(fc.record({ teamId: nonEmptyText(), accessLevel: fc.constantFrom("READ_ONLY", "BUILD_AND_READ", "MANAGE_BUILD_AND_READ") }), { maxLength: 2, selector: (t) => t.teamId }),
  schedules: fc.array(fc.record({ key: fc.stringMatching(/^[a-z0-9-]{1,8}$/), cronline: fc.constantFrom("0 3 * * *", "@daily") }), { maxLength: 2 }),
  images: fc.array(imageArb, { minLength: 1, maxLength: 3 }),
  previousSlugs: fc.array(slugArb, { maxLength: 1 }),
});

const stackArb = fc.record({
  organization: slugArb,
  clusterUuid: mostly(fc.constant(true), fc.constant(false)),
  projectMode: fc.constantFrom("projectId", "project"),
  auth: fc.constantFrom("oidc", "project-token", "user-token"),
  cli: fc.record({ version: mostly(fc.constantFrom("2.102.12", "2.0.0"), fc.constantFrom("latest", "2.102", "v2.102.12")), install: fc.constantFrom("script", "preinstalled") }),
  debugOidc: fc.boolean(),
  backend: fc.constantFrom("buildkite", "hook", "elastic-stack"),
  dockerhub: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/), { nil: undefined }),
  ecr: fc.option(
    fc.record({
      access: fc.constantFrom("oidc", "instance-role"),
      protect: fc.boolean(),
      branches: fc.option(fc.array(fc.constantFrom("main", "release/*"), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      organizationId: fc.option(fc.uuid(), { nil: undefined }),
      repositories: fc.uniqueArray(repoNameArb, { minLength: 1, maxLength: 3 }),
      immutable: mostly(fc.constant(false), fc.constant(true)),
      kms: fc.boolean(),
      pullAccountIds: fc.array(fc.stringMatching(/^\d{12}$/), { maxLength: 2 }),
    }),
    { nil: undefined },
  ),
  extraDestinations: mostly(
    fc.constant<string[]>([]),
    fc.array(
      fc.oneof(
        fc.constantFrom("dockerhub:acme/app", "dockerhub:Acme/App", "dockerhub:acme", "ecr:missing", "gcr:x", "ecr:", ":"),
        fc.constantFrom(...PROTOTYPE_NAMES).map((n) => `ecr:${n}`),
      ),
      { minLength: 1, maxLength: 1 },
    ),
    2,
  ),
  pipelines: fc.array(pipelineArb, { minLength: 1, maxLength: 3 }),
  secrets: mostly(fc.constant(SECRET_NAMES), fc.subarray(SECRET_NAMES, { minLength: 2 })),
});

type StackDraft = typeof stackArb extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

function compact(o: Record<string, Json | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, Json] => e[1] !== undefined));
}

/** Assemble a draft into the stack's top-level config objects (mostly consistent). */
function assemble(d: StackDraft): { objects: JsonObject; secrets: SecretKey[] } {
  const repos = d.ecr?.repositories ?? [];
  const destinations = [...repos.map((r) => `ecr:${r}`), ...(d.dockerhub ? ["dockerhub:acme/app"] : []), ...d.extraDestinations];
  const slugs = new Set<string>();
  const pipelines = d.pipelines.map((p, i) => {
    const slug = slugs.has(p.slug) ? `${p.slug}-${i}` : p.slug;
    slugs.add(slug);
    const keys = new Set<string>();
    const images = p.images.map((im, j) => {
      const key = keys.has(im.key) ? `${im.key}${j}` : im.key;
      keys.add(key);
      const dests = [...new Set(im.destinationPicks.map((n) => pick(destinations, n)).filter((x): x is string => x !== undefined))];
      const earlier = [...keys].filter((k) => k !== key);
      const dependsOn = [...new Set(im.dependsOnPicks.map((n) => pick(earlier, n)).filter((x): x is string => x !== undefined))];
      return compact({
        key,
        label: im.label,
        context: im.context,
        dockerfile: im.dockerfile,
        target: im.target,
        platforms: im.platforms,
        buildArgs: im.buildArgs,
        labels: im.labels,
        secrets: im.secrets,
        tags: im.tags,
        destinations: dests,
        load: im.load,
        save: im.save || im.saveTags.length > 0,
        saveTags: im.saveTags,
        provenance: im.provenance,
        sbom: im.sbom,
        lint: im.lint,
        noCache: im.noCache,
        metadataFile: im.metadataFile,
        dependsOn,
        timeoutInMinutes: im.timeoutInMinutes,
        concurrency: im.concurrency,
        branches: im.branches,
        queue: im.queue,
        env: im.env,
      });
    });
    return compact({
      slug,
      name: p.name,
      repository: p.repository,
      description: p.description,
      auth: p.auth,
      secretsBackend: p.secretsBackend,
      delivery: p.delivery,
      sign: p.sign && p.delivery === "repository",
      queue: p.queue,
      buildPullRequestForks: p.buildPullRequestForks,
      teams: p.teams,
      schedules: p.schedules.filter((s, k) => p.schedules.findIndex((x) => x.key === s.key) === k),
      images,
      previousSlugs: p.previousSlugs.filter((s) => s !== slug),
    });
  });
  const ecr = d.ecr
    ? compact({
        region: "eu-west-1",
        access: d.ecr.access,
        agentRoleName: d.ecr.access === "instance-role" ? "agent-role" : undefined,
        protect: d.ecr.protect,
        branches: d.ecr.branches,
        organizationId: d.ecr.organizationId,
        repositories: Object.fromEntries(
          d.ecr.repositories.map((r, i) => [
            r,
            compact({
              imageTagMutability: d.ecr?.immutable && i === 0 ? "IMMUTABLE" : "MUTABLE",
              encryption: d.ecr?.kms && i === 0 ? "KMS" : undefined,
              kmsKeyArn: d.ecr?.kms && i === 0 ? "arn:aws:kms:eu-west-1:123456789012:key/0b5c2c2e-1111-4c3d-9a8b-0123456789ab" : undefined,
              pullAccountIds: d.ecr?.pullAccountIds,
            }),
          ]),
        ),
      })
    : undefined;
  const objects = compact({
    buildkite: compact({ organization: d.organization, clusterUuid: d.clusterUuid ? "0190abcd-1234-4abc-8def-0123456789ab" : undefined }),
    depot: compact({
      projectId: d.projectMode === "projectId" ? "abc123def0" : undefined,
      project: d.projectMode === "project" ? { name: "fuzz" } : undefined,
      auth: d.auth,
      cli: d.cli,
      debugOidc: d.debugOidc,
    }),
    secrets: compact({
      backend: d.backend,
      elasticStack: { bucket: "secrets-bucket" },
      hook: { upload: { bucket: "hooks-bucket" } },
    }),
    dockerhub: d.dockerhub ? { username: d.dockerhub } : undefined,
    ecr,
    pipelines,
  });
  return { objects, secrets: d.secrets };
}

export interface GeneratedConfig {
  /** How it was made, for failure messages. */
  origin: string;
  raw: RawConfig;
}

function toRaw(objects: JsonObject, secrets: SecretKey[], extra: Record<string, string> = {}): RawConfig {
  const config: Record<string, string> = { "aws:region": "eu-west-1", "buildkite:organization": "acme" };
  for (const [k, v] of Object.entries(objects)) config[`${PROJECT}:${k}`] = JSON.stringify(v);
  for (const s of secrets) config[`${PROJECT}:${s}`] = `fuzz-secret-${s}`;
  Object.assign(config, extra);
  return { config, secretKeys: secrets.map((s) => `${PROJECT}:${s}`), project: PROJECT };
}

export const validConfigArb: fc.Arbitrary<GeneratedConfig> = stackArb.map((d) => {
  const { objects, secrets } = assemble(d);
  return { origin: "generated", raw: toRaw(objects, secrets) };
});

// ---------------------------------------------------------------------------------------------
// Mutations

/** The top-level objects of an example stack file. */
function exampleObjects(stack: string): JsonObject {
  const file = readStackFile(REPO_ROOT, stack, PROJECT);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(file.config)) {
    if (!k.startsWith(`${PROJECT}:`)) continue;
    try {
      out[k.slice(PROJECT.length + 1)] = JSON.parse(v) as Json;
    } catch {
      out[k.slice(PROJECT.length + 1)] = v;
    }
  }
  return out;
}

type Path = (string | number)[];

function nodes(value: Json, at: Path = [], out: { path: Path; value: Json }[] = []): { path: Path; value: Json }[] {
  out.push({ path: at, value });
  if (Array.isArray(value)) value.forEach((v, i) => nodes(v, [...at, i], out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) nodes(v, [...at, k], out);
  return out;
}

function setAt(root: JsonObject, path: Path, value: Json | undefined): void {
  if (path.length === 0) return;
  let cur: Json = root;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== "object") return;
    cur = (cur as Record<string | number, Json>)[seg];
  }
  if (cur === null || typeof cur !== "object") return;
  const last = path[path.length - 1];
  if (Array.isArray(cur) && typeof last === "number") {
    if (value === undefined) cur.splice(last, 1);
    else cur[last] = value;
  } else if (!Array.isArray(cur) && typeof last === "string") {
    // defineProperty: a key such as "__proto__" must become an own property, as JSON.parse makes it.
    if (value === undefined) delete cur[last];
    else Object.defineProperty(cur, last, { value, enumerable: true, writable: true, configurable: true });
  }
}

const jsonArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e21, "", "x", [], {}, [1, "a"], { a: 1 }),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("retype" as const), pick: fc.nat(), value: jsonArb }),
  fc.record({ kind: fc.constant("unknownKey" as const), pick: fc.nat(), key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...PROTOTYPE_NAMES, "slugg", "destination", "repo")), value: jsonArb }),
  fc.record({ kind: fc.constant("string" as const), pick: fc.nat(), value: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("OIDC", "token", "OIDC ", "linux/386", "OIDC\u0000", "ecr:", "OIDC".repeat(100))) }),
  fc.record({ kind: fc.constant("dupSlug" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant("destination" as const),
    pick: fc.nat(),
    value: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES.map((n) => `ecr:${n}`), "dockerhub:UPPER/x", "dockerhub:", "ecr:nope", "docker.io/acme/x", "ecr:api:extra"), fc.string({ maxLength: 10 })),
  }),
  fc.record({ kind: fc.constant("huge" as const), pick: fc.nat(), size: fc.integer({ min: 100, max: 3000 }) }),
  fc.record({ kind: fc.constant("garbage" as const), key: fc.constantFrom("buildkite", "depot", "pipelines", "ecr", "secrets", "dockerhub", "piplines", "__proto__"), text: fc.constantFrom("{", "[1,", "not json", "", "null", "42", "true", '"str"', "{\"a\":}") }),
  fc.record({ kind: fc.constant("secret" as const), key: fc.constantFrom(...SECRET_NAMES), value: fc.constantFrom("", "  ", "plain-value") }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

interface MutationState {
  extra: Record<string, string>;
  plainSecrets: Record<string, string>;
  /** One huge list per config: nested huge lists would only measure JSON size. */
  grown: boolean;
}

function mutate(objects: JsonObject, m: Mutation, state: MutationState): void {
  const all = nodes(objects).filter((n) => n.path.length > 0);
  switch (m.kind) {
    case "drop": {
      const n = pick(all, m.pick);
      if (n) setAt(objects, n.path, undefined);
      break;
    }
    case "retype": {
      const n = pick(all, m.pick);
      if (n) setAt(objects, n.path, m.value);
      break;
    }
    case "unknownKey": {
      const target = pick(all.filter((n) => n.value !== null && typeof n.value === "object" && !Array.isArray(n.value)), m.pick);
      if (target) setAt(objects, [...target.path, m.key], m.value);
      else setAt(objects, [m.key], m.value);
      break;
    }
    case "string": {
      const n = pick(all.filter((x) => typeof x.value === "string"), m.pick);
      if (n) setAt(objects, n.path, m.value);
      break;
    }
    case "dupSlug": {
      const pls = Array.isArray(objects.pipelines) ? objects.pipelines : [];
      const a = pick(pls, m.a);
      if (a && typeof a === "object" && !Array.isArray(a)) pls.push({ ...a, name: "Duplicate" });
      break;
    }
    case "destination": {
      const lists = all.filter((n) => n.path[n.path.length - 1] === "destinations" && Array.isArray(n.value));
      const n = pick(lists, m.pick);
      if (n && Array.isArray(n.value)) n.value.push(m.value);
      break;
    }
    case "huge": {
      if (state.grown) break;
      const arrays = all.filter((n) => Array.isArray(n.value) && n.value.length > 0);
      const n = pick(arrays, m.pick);
      if (n && Array.isArray(n.value)) {
        const items = n.value;
        setAt(objects, n.path, Array.from({ length: m.size }, (_, i) => structuredClone(items[i % items.length])));
        state.grown = true;
      }
      break;
    }
    case "garbage":
      state.extra[`${PROJECT}:${m.key}`] = m.text;
      break;
    case "secret":
      state.plainSecrets[`${PROJECT}:${m.key}`] = m.value;
      break;
  }
}

const baseArb: fc.Arbitrary<{ origin: string; objects: JsonObject; secrets: SecretKey[] }> = fc.oneof(
  fc.constantFrom("dev", "prod").map((stack) => ({ origin: `Pulumi.${stack}.yaml`, objects: exampleObjects(stack), secrets: SECRET_NAMES })),
  stackArb.map((d) => ({ origin: "generated", ...assemble(d) })),
);

export const mutatedConfigArb: fc.Arbitrary<GeneratedConfig> = fc
  .record({ base: baseArb, mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) })
  .map(({ base, mutations }) => {
    const objects = structuredClone(base.objects);
    const state: MutationState = { extra: {}, plainSecrets: {}, grown: false };
    for (const m of mutations) mutate(objects, m, state);
    const raw = toRaw(objects, base.secrets, state.extra);
    // A "secret" mutation puts the key in the config without marking it secret (or empties it).
    for (const [k, v] of Object.entries(state.plainSecrets)) {
      raw.config[k] = v;
      if (v.trim() !== "") raw.secretKeys = raw.secretKeys.filter((s) => s !== k);
    }
    return { origin: `${base.origin} + ${mutations.map((m) => m.kind).join(", ")}`, raw };
  });

/** Valid-ish and broken configs, about half each. */
export const stackConfigArb: fc.Arbitrary<GeneratedConfig> = fc.oneof(validConfigArb, mutatedConfigArb);
