/**
 * What the config layer accepts, the program must accept: each case below is a minimal edit of
 * Pulumi.dev.yaml found by the fuzzers (config-fuzz*.test.ts). For each, either `parseStackConfig`
 * rejects it with a problem (and never throws), or the component validators the program runs
 * later (pure functions, no mocks) accept it. A failure here is a config that passes review and
 * `pulumi preview`'s config check, then breaks `pulumi up` (or makes the config layer throw).
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, type ParseResult, type Settings } from "../../src/config";
import { SECRET_KEYS } from "../../src/config-schema";
import { pipelineBuildArgs, secretEnvNames } from "../../src/pipeline-model";
import { readStackFile } from "../../src/stack-file";
import { REPO_ROOT } from "../../src/synth/run";
import { depotImagePipelineArgsProblems } from "../../components/depot-image-pipeline";
import { buildkiteTrustPolicyProblems } from "../../components/aws/policies";
import { validateAgentSecretsArgs } from "../../components/secrets/args";
import type { AgentSecretsArgs } from "../../components/agent-secrets";
import { PROTOTYPE_NAMES, PROJECT } from "./fuzz-arbitraries";
import { realisticRefs, renderFindings } from "./fuzz-render";

type Obj = Record<string, unknown>;
type Edit = (c: { buildkite: Obj; secrets: Obj; ecr: Obj; pipelines: Obj[] }) => void;

/** Pulumi.dev.yaml with every secret set, edited. */
function devRaw(edit: Edit) {
  const file = readStackFile(REPO_ROOT, "dev", PROJECT);
  const get = (k: string) => JSON.parse(file.config[`${PROJECT}:${k}`] ?? "{}") as unknown;
  const c = { buildkite: get("buildkite") as Obj, secrets: get("secrets") as Obj, ecr: get("ecr") as Obj, pipelines: get("pipelines") as Obj[] };
  edit(c);
  const config: Record<string, string> = { ...file.config };
  for (const [k, v] of Object.entries(c)) config[`${PROJECT}:${k}`] = JSON.stringify(v);
  const secretKeys = Object.keys(SECRET_KEYS).map((k) => `${PROJECT}:${k}`);
  for (const k of secretKeys) config[k] = "audit-secret";
  return { config, secretKeys, project: PROJECT };
}

function parse(edit: Edit): ParseResult {
  return parseStackConfig(devRaw(edit));
}

const images = (pl: Obj) => pl.images as Obj[];

/** The AgentSecrets args the program would build for one backend (values stand in for secrets). */
function agentSecretsArgs(s: Settings, backend: AgentSecretsArgs["backend"]): AgentSecretsArgs {
  const cfg = s.config;
  const pipelines = s.pipelines
    .filter((pl) => pl.secretsBackend === backend)
    .map((pl) => ({ slug: pl.config.slug, values: Object.fromEntries(secretEnvNames(cfg, pl).map((n) => [n, "value"])), depotAuth: pl.auth }))
    .filter((p) => Object.keys(p.values).length > 0);
  const args: AgentSecretsArgs = { backend, pipelines };
  if (backend === "buildkite") args.buildkite = { clusterUuid: cfg.buildkite.clusterUuid ?? "" };
  if (backend === "hook") args.hook = { ...cfg.secrets.hook, region: cfg.ecr?.region };
  if (backend === "elastic-stack" && cfg.secrets.elasticStack) args.elasticStack = cfg.secrets.elasticStack;
  return args;
}

/** Either rejected with a problem, or accepted and `check` (what the program does next) finds nothing. */
function expectConsistent(result: ParseResult, check: (s: Settings) => string[]): void {
  if (!result.ok) {
    expect(result.problems.length + result.missingSecrets.length).toBeGreaterThan(0);
    return;
  }
  expect(check(result.settings), "the config layer accepted this, the program rejects it").toEqual([]);
}

/** What DepotImagePipeline says about every pipeline of accepted settings. */
function pipelineComponentProblems(s: Settings): string[] {
  return s.pipelines.flatMap((pl) =>
    depotImagePipelineArgsProblems({
      ...pipelineBuildArgs(s.config, pl, realisticRefs(s, pl.config.slug)),
      name: pl.config.name,
      repository: pl.config.repository,
      schedules: pl.config.schedules,
      delivery: pl.config.delivery,
    }),
  );
}

describe("the config layer and the components agree", () => {
  it.each(PROTOTYPE_NAMES)("rejects the destination ecr:%s without throwing (no prototype lookups)", (name) => {
    let result: ParseResult | undefined;
    expect(() => (result = parse((c) => void (images(c.pipelines[0])[1].destinations = [`ecr:${name}`])))).not.toThrow();
    expect(result?.ok).toBe(false);
    if (result && !result.ok) expect(result.problems.map((p) => p.path)).toContain(`${PROJECT}:pipelines[0].images[1].destinations[0]`);
  });

  it.each([
    ["an env value", (c: Parameters<Edit>[0]) => void (images(c.pipelines[0])[0].env = { GREETING: "cost \\$5" })],
    ["an image label", (c: Parameters<Edit>[0]) => void (images(c.pipelines[0])[0].label = "build \\$IMAGE")],
    ["a metadata file", (c: Parameters<Edit>[0]) => void (images(c.pipelines[0])[0].metadataFile = "out\\$x.json")],
  ])("rejects a backslash before $ in %s, or renders it (Buildkite reads \\$ as an escape)", (_what, edit) => {
    const raw = devRaw(edit);
    expectConsistent(parseStackConfig(raw), (settings) => renderFindings({ origin: "consistency", raw, settings }));
  });

  it.each(["-nightly", "team-weekly"])("rejects the schedule key %j, or DepotImagePipeline accepts it", (key) => {
    const result = parse((c) => void (c.pipelines[0].schedules = [{ key, cronline: "0 3 * * *" }]));
    expectConsistent(result, pipelineComponentProblems);
  });

  it.each(["0 25 * * *", "@nightly", "0 3 * * * Mars/Olympus", "0 3 * *"])("rejects the cron line %j, or DepotImagePipeline accepts it", (cronline) => {
    const result = parse((c) => void (c.pipelines[0].schedules = [{ key: "nightly", cronline }]));
    expect(result.ok).toBe(false);
    expectConsistent(result, pipelineComponentProblems);
  });

  it.each([["release/*"], ["feature-?"]])("rejects the ecr.branches pattern %j, or the OIDC role accepts it", (branch) => {
    const result = parse((c) => void (c.ecr.branches = ["main", branch]));
    expectConsistent(result, (s) =>
      buildkiteTrustPolicyProblems({ organization: s.config.buildkite.organization, pipelines: s.pipelines.map((p) => p.config.slug), branches: s.config.ecr?.branches }),
    );
  });

  it("rejects two slugs that map to one Buildkite secret key (api, api-), or AgentSecrets accepts them", () => {
    const result = parse((c) => {
      c.pipelines[1].slug = "api-";
      images(c.pipelines[1])[0].destinations = ["dockerhub:acme/worker"];
    });
    expectConsistent(result, (s) => validateAgentSecretsArgs(agentSecretsArgs(s, "buildkite")));
  });

  it.each([
    ["a KMS alias as hook.kmsKeyId", { backend: "hook", hook: { kmsKeyId: "alias/buildkite" } }],
    ["a space in hook.namePrefix", { backend: "hook", hook: { namePrefix: "build kite/" } }],
    ["a blank hook.upload.key", { backend: "hook", hook: { upload: { bucket: "hooks", key: " " } } }],
  ])("rejects %s, or AgentSecrets accepts it", (_what, secrets) => {
    const result = parse((c) => {
      c.secrets = secrets;
    });
    expectConsistent(result, (s) => validateAgentSecretsArgs(agentSecretsArgs(s, "hook")));
  });
});
