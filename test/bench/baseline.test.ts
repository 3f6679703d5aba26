/**
 * The benchmark compares the stack program with a hand-written baseline. That comparison only means
 * something while both register exactly the same resources, so this runs both children of
 * `npm run bench` on a small stack (12 pipelines: every auth, team and schedule branch of the spec)
 * for each variant and compares what they registered, line by line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChildResult, Mode } from "../../bench/measure";
import { benchSpec, stackName, stackYaml, VARIANTS, type Variant } from "../../bench/spec";

const ROOT = path.resolve(__dirname, "../..");
const N = 12;
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-baseline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runChild(mode: Mode, variant: Variant): { result: ChildResult; lines: string[] } {
  const result = path.join(dir, `${mode}-${variant}.json`);
  const dump = path.join(dir, `${mode}-${variant}.txt`);
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "bench/child.ts", "--mode", mode, "--n", String(N), "--variant", variant, "--project-dir", dir, "--result", result, "--dump", dump],
    { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return { result: JSON.parse(readFileSync(result, "utf8")) as ChildResult, lines: readFileSync(dump, "utf8").trimEnd().split("\n") };
}

/** What the spec asks for, counted from the spec itself (see bench/spec.ts). */
function expectedCounts(variant: Variant): Record<string, number> {
  const spec = benchSpec(N, variant);
  const token = spec.pipelines.filter((p) => p.auth === "project-token").length;
  const oidc = N - token;
  const teams = spec.pipelines.reduce((n, p) => n + (p.teams?.length ?? 0), 0);
  const schedules = spec.pipelines.reduce((n, p) => n + (p.schedules?.length ?? 0), 0);
  const counts: Record<string, number> = {
    "depot-buildkite:index:EcrRepository": N,
    "aws:ecr/repository:Repository": N,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": N,
    "depot-buildkite:index:BuildkiteOidcProvider": 1,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
    "depot-buildkite:index:BuildkiteOidcRole": N,
    "aws:iam/role:Role": N,
    "aws:iam/rolePolicy:RolePolicy": N,
    "depot-buildkite:index:AgentSecrets": 1,
    // Docker Hub user name and token for every pipeline, DEPOT_TOKEN for token pipelines only.
    "buildkite:Cluster/clusterSecret:ClusterSecret": 2 * N + token,
    "depot-buildkite:index:DepotImagePipeline": N,
    "buildkite:Pipeline/pipeline:Pipeline": N,
    "buildkite:Pipeline/team:Team": teams,
    "buildkite:Pipeline/schedule:Schedule": schedules,
  };
  if (variant === "managed") {
    counts["pulumi-nodejs:dynamic/depot:TrustPolicy"] = oidc;
    counts["pulumi-nodejs:dynamic/depot:ProjectToken"] = token;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

describe.each(VARIANTS)("bench variant %s", (variant) => {
  writeFileSync(path.join(dir, `Pulumi.${stackName(N, variant)}.yaml`), stackYaml(benchSpec(N, variant)));

  it("the baseline registers exactly what the stack program registers", () => {
    const ours = runChild("ours", variant);
    const baseline = runChild("baseline", variant);
    expect(ours.result.byType).toEqual(expectedCounts(variant));
    expect(baseline.lines).toEqual(ours.lines);
    expect(baseline.result.fingerprint).toBe(ours.result.fingerprint);
    // Both children measured a window in which something ran.
    for (const r of [ours.result, baseline.result]) {
      expect(r.resources).toBe(ours.lines.length);
      expect(r.cpuMs).toBeGreaterThan(0);
      expect(r.maxRssMiB).toBeGreaterThan(0);
    }
    expect(Object.keys(baseline.result.phases)).toEqual(["mocks", "program", "settle"]);
    expect(Object.keys(ours.result.phases)).toEqual(["config+mocks", "program", "settle", "outputs"]);
  });
});
