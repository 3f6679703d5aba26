/**
 * The whole program, fed from the real Pulumi.dev.yaml, under mocks (set before the program loads),
 * with every secret set to a canary.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runStack, type SynthRun } from "../../src/synth/run";
import { byType, find } from "../helpers/mocks";
import { CANARIES, leaksInRegistrations, leaksInSynthOutput, secretHolders } from "../helpers/canary";
import { validatePipelineYaml, unescapedRuntimeVars } from "../helpers/conformance";

let run: SynthRun;
let printed = "";

beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    run = await runStack({ stack: "dev", secretValues: { dockerhubToken: CANARIES.dockerhubToken, depotToken: CANARIES.depotToken } });
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
});

describe("dev stack", () => {
  it("uses no placeholders when every needed secret is set", () => {
    expect(run.placeholders).toEqual([]);
  });

  it("registers one Buildkite pipeline per configured pipeline with explicit slugs", () => {
    const pipelines = byType(run.registrations, "buildkite:Pipeline/pipeline:Pipeline");
    expect(pipelines.map((p) => p.plain.slug).sort()).toEqual(["api", "worker"]);
    const api = find(run.registrations, "buildkite:Pipeline/pipeline:Pipeline", "api");
    expect(api.plain).toMatchObject({
      slug: "api",
      name: "API",
      repository: "git@github.com:acme/api.git",
      defaultBranch: "main",
      clusterId: "Q2x1c3Rlci0tLTAxOTBhYmNkLTEyMzQtNGFiYy04ZGVmLTAxMjM0NTY3ODlhYg==",
      defaultTeamId: "VGVhbS0tLTAxOTBhYmNkLWVuZw==",
    });
    expect(validatePipelineYaml(String(api.plain.steps))).toEqual([]);
    expect(unescapedRuntimeVars(String(api.plain.steps))).toEqual([]);
  });

  it("loads worker-test as worker:test and runs the tests after the build, in the same job", () => {
    const worker = find(run.registrations, "buildkite:Pipeline/pipeline:Pipeline", "worker");
    const doc = parse(String(worker.plain.steps)) as { steps: { steps: { key: string; command: string }[] }[] };
    const step = doc.steps[0].steps.find((s) => s.key === "worker-test");
    const lines = (step?.command ?? "").split("\n").map((l) => l.trim());
    const build = lines.indexOf("depot build \\");
    expect(build).toBeGreaterThan(0);
    expect(lines.slice(build)).toEqual(expect.arrayContaining(["-t 'worker:test' \\", "--load \\"]));
    expect(lines.slice(-2)).toEqual(['echo "+++ :docker: worker-test: commands after the build"', "docker run --rm worker:test"]);
  });

  it("creates no Depot resources without the organization token, and exports the trust relationship to add by hand", () => {
    expect(run.registrations.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))).toEqual([]);
    expect(run.outputs.depotTrustRelationships).toEqual([{ projectId: "abc123def0", organizationSlug: "acme", pipelineSlug: "api" }]);
  });

  it("gives the OIDC pipeline no DEPOT_TOKEN from any backend", () => {
    const keys = byType(run.registrations, "buildkite:Cluster/clusterSecret:ClusterSecret").map((r) => r.plain.key).sort();
    expect(keys).toEqual(["DEPOT_TOKEN_WORKER", "DOCKERHUB_TOKEN_API", "DOCKERHUB_USERNAME_API"]);
    const apiYaml = String(run.outputs && (run.outputs.pipelineYaml as Record<string, string>).api);
    expect(apiYaml).not.toContain("DEPOT_TOKEN_");
    const doc = parse(apiYaml) as { steps: unknown[] };
    expect(JSON.stringify(doc)).toContain('"DEPOT_PROJECT_ID":"abc123def0"');
  });

  it("creates the ECR repositories, one OIDC provider and one role per ECR pipeline", () => {
    expect(byType(run.registrations, "aws:ecr/repository:Repository").map((r) => r.plain.name).sort()).toEqual(["api", "worker"]);
    expect(byType(run.registrations, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toHaveLength(1);
    expect(byType(run.registrations, "aws:iam/role:Role").map((r) => r.name).sort()).toEqual(["api-ecr", "worker-ecr"]);
  });

  it("makes each pipeline depend only on its own ECR repositories and role (no stack-wide fan-in)", () => {
    const urnOf = (type: string, name: string) => find(run.registrations, type, name).urn;
    const deps = (name: string) => new Set(find(run.registrations, "buildkite:Pipeline/pipeline:Pipeline", name).dependencies);
    // worker pushes to ecr:worker only: it must not wait on (or record a dependency on) ecr:api.
    expect(deps("worker").has(urnOf("aws:ecr/repository:Repository", "ecr-worker"))).toBe(true);
    expect(deps("worker").has(urnOf("aws:ecr/repository:Repository", "ecr-api"))).toBe(false);
    expect(deps("api").has(urnOf("aws:ecr/repository:Repository", "ecr-worker"))).toBe(false);
  });

  it("keeps every canary inside secret inputs only", () => {
    expect(leaksInRegistrations(run.registrations)).toEqual([]);
    expect(secretHolders(run.registrations)).toEqual([
      "buildkite:Cluster/clusterSecret:ClusterSecret::agent-secrets-buildkite-worker-DEPOT_TOKEN.value",
      "buildkite:Cluster/clusterSecret:ClusterSecret::agent-secrets-buildkite-api-DOCKERHUB_TOKEN.value",
    ].sort());
  });

  it("never writes or prints a canary (YAML, plan.json, summary.md, outputs, logs)", () => {
    expect(leaksInSynthOutput(run, printed)).toEqual([]);
  });
});
