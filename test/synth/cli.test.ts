/**
 * The offline synth as a user runs it: `npm run synth -- --stack NAME --out DIR` (tsx src/synth.ts).
 */
import { afterAll, describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { validatePipelineYaml } from "../helpers/conformance";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function synth(cwd: string, args: string[]) {
  const r = spawnSync(TSX, [path.join(ROOT, "src", "synth.ts"), ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run synth", () => {
  let out: string;
  let result: ReturnType<typeof synth>;
  beforeAll(() => {
    out = tempDir("synth-");
    result = synth(ROOT, ["--stack", "dev", "--out", out]);
  });

  it("writes pipelines, plan.json and summary.md for the dev stack and prints the summary", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const files = readdirSync(path.join(out, "dev", "pipelines")).sort();
    expect(files).toEqual(["api.yml", "worker.yml"]);
    expect(existsSync(path.join(out, "dev", "plan.json"))).toBe(true);
    const summary = readFileSync(path.join(out, "dev", "summary.md"), "utf8");
    expect(result.stdout).toContain(summary.trim());
    expect(summary).toContain("## Pipeline `api` (API)");
    expect(summary).toContain("| `api` | linux/amd64, linux/arm64 | `dockerhub:acme/api`, `ecr:api` |");
    // Missing secrets are replaced by marked placeholders and listed.
    expect(summary).toContain("Set the secret `dockerhubToken` (a placeholder was used offline");
    expect(summary).toContain("Set the secret `depotToken` (a placeholder was used offline");
    // Configuration-only Depot mode: the dashboard steps are listed.
    expect(summary).toContain("In Depot, project `abc123def0` → Settings → Trust relationships → add Buildkite: organization `acme`, pipeline `api`");
  });

  it("writes pipeline files that validate against Buildkite's schema", () => {
    for (const f of readdirSync(path.join(out, "dev", "pipelines"))) {
      const text = readFileSync(path.join(out, "dev", "pipelines", f), "utf8");
      expect(validatePipelineYaml(text)).toEqual([]);
      expect(parse(text)).toHaveProperty("steps");
    }
  });

  it("masks secrets in plan.json and never writes a placeholder into a pipeline", () => {
    const plan = JSON.parse(readFileSync(path.join(out, "dev", "plan.json"), "utf8")) as { resources: { type: string; inputs: Record<string, unknown> }[] };
    const secret = plan.resources.find((r) => r.type === "buildkite:Cluster/clusterSecret:ClusterSecret");
    expect(secret?.inputs.value).toBe("[secret]");
    for (const f of readdirSync(path.join(out, "dev", "pipelines"))) {
      expect(readFileSync(path.join(out, "dev", "pipelines", f), "utf8")).not.toContain("placeholder");
    }
  });
});

describe("npm run synth with bad config", () => {
  it("exits 1 with exactly the config errors (unknown key, invalid platform, missing required field)", () => {
    const dir = tempDir("synth-bad-");
    mkdirSync(path.join(dir, "out"));
    const stack = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
      .replace("    defaultQueue: default", "    defaultQueue: default\n    defaultQeue: x") // unknown key
      .replace("platforms: [linux/amd64, linux/arm64]", "platforms: [linux/amd64, linux/s390x]") // invalid platform
      .replace("      name: Worker\n", ""); // missing required field
    writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stack);
    const r = synth(dir, ["--stack", "bad", "--out", path.join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      'Stack "bad" has 3 configuration errors:',
      expect.stringMatching(/^ {2}- depot-buildkite:buildkite\.defaultQeue: unknown key\. Did you mean "defaultQueue"\?/),
      '  - depot-buildkite:pipelines[0].images[0].platforms[1]: "linux/s390x" is not allowed; expected one of "linux/amd64", "linux/arm64".',
      "  - depot-buildkite:pipelines[1].name: is required (expected string).",
    ]);
    expect(readdirSync(path.join(dir, "out"))).toEqual([]);
  });

  it("asks for the job variables that build secrets read and the stack does not deliver (prod: NPM_TOKEN)", () => {
    const dir = tempDir("synth-prod-");
    const r = synth(ROOT, ["--stack", "prod", "--out", dir]);
    expect(r.code, r.stderr).toBe(0);
    const summary = readFileSync(path.join(dir, "prod", "summary.md"), "utf8");
    expect(summary).toContain(
      "- Provide `NPM_TOKEN` to the jobs of pipeline `billing` (build secret `npmrc` of image `billing` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.",
    );
  });

  it("does not ask to set a secret that is set, encrypted, in the stack file", () => {
    const dir = tempDir("synth-encrypted-");
    const stack = readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(/^config:\n/m, "config:\n  depot-buildkite:dockerhubToken:\n    secure: v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    writeFileSync(path.join(dir, "Pulumi.enc.yaml"), stack);
    const r = synth(dir, ["--stack", "enc", "--out", path.join(dir, "out")]);
    expect(r.code, r.stderr).toBe(0);
    const summary = readFileSync(path.join(dir, "out", "enc", "summary.md"), "utf8");
    expect(summary).not.toContain("Set the secret `dockerhubToken`");
    expect(summary).toContain("Set and encrypted in the stack file, rendered here with placeholders (only the Pulumi CLI can decrypt them): `dockerhubToken`.");
    expect(summary).toContain("Set the secret `depotToken` (a placeholder was used offline");
  });

  it.each([
    ["not YAML", "config:\n  depot-buildkite:pipelines: [\n", /^Pulumi\.broken\.yaml is not valid YAML: .* at line 3, column 1$/],
    ["an alias (its name never echoed)", "config:\n  depot-buildkite:dockerhubToken: *canary_hunter2\n", /^Pulumi\.broken\.yaml is not valid YAML: Unresolved alias \(the anchor must be set before the alias\)$/],
    ["config: a scalar (never echoed: it may be a misplaced secret)", "config: dpt_canary_value\n", /^Pulumi\.broken\.yaml: "config:" must be a mapping of keys to values \(got a string\)$/],
    ["a list", "- a\n- b\n", /^Pulumi\.broken\.yaml must be a YAML mapping with a "config:" key \(got a list\)$/],
    ["config: a list", "config: [1]\n", /^Pulumi\.broken\.yaml: "config:" must be a mapping of keys to values \(got a list\)$/],
  ])("exits 1 naming the file, without a stack trace, when the stack file is %s", (_what, text, first) => {
    const dir = tempDir("synth-broken-");
    writeFileSync(path.join(dir, "Pulumi.broken.yaml"), text);
    const r = synth(dir, ["--stack", "broken", "--out", path.join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(first)]);
    expect(r.stderr).not.toContain("canary");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(dir, "out"))).toBe(false);
  });
});
