/**
 * `npm run synth -- --stack S --diff REF` end to end, on a temporary git repository holding a copy
 * of this project: a known change to the stack file must be reported exactly (and nothing else),
 * a clean tree must say "No changes.", a stack file new in the working tree is "everything added",
 * and a ref that cannot be rendered fails with an explanation in diff.md.
 *
 * Each diff runs two real synths (the ref's tree and the working tree); the runs are kept few.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlan } from "../../src/synth/diff";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const COPIED = ["Pulumi.yaml", "package.json", "tsconfig.json", "Pulumi.dev.yaml", "src", "components"];

let repo: string;
let tmpRoot: string;
let base: string;

function git(args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Run the copied project's own CLI, with its temporary files in a folder of our own. */
function synthDiff(stack: string, ref: string) {
  const r = spawnSync(TSX, [path.join(repo, "src", "synth.ts"), "--stack", stack, "--out", "out", "--diff", ref], {
    cwd: repo,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, TMPDIR: tmpRoot },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Resource lines of the terminal output: "  ~ changed TYPE NAME (what)". */
function resourceLines(stdout: string): { kind: string; type: string; name: string; what?: string }[] {
  return stdout
    .split("\n")
    .map((l) => /^ {2}[+~-] (added|changed|removed) +(\S+) (\S+)(?: \((.*)\))?$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kind: m[1], type: m[2], name: m[3], what: m[4] }));
}

/** Temporary folders of the diff left behind (tsx keeps its own cache there too). */
const leftovers = () => readdirSync(tmpRoot).filter((n) => n.startsWith("synth-diff-"));

const read = (...p: string[]) => readFileSync(path.join(repo, ...p), "utf8");

beforeAll(() => {
  repo = mkdtempSync(path.join(os.tmpdir(), "synth-diff-repo-"));
  tmpRoot = mkdtempSync(path.join(os.tmpdir(), "synth-diff-tmp-"));
  for (const f of COPIED) cpSync(path.join(ROOT, f), path.join(repo, f), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
  writeFileSync(path.join(repo, ".gitignore"), "node_modules\nout/\n");
  git(["init", "-q"]);
  git(["add", "-A"]);
  git(["commit", "-q", "-m", "base"]);
  base = git(["rev-parse", "HEAD"]);
});

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(tmpRoot, { recursive: true, force: true });
});

describe("npm run synth -- --diff", () => {
  it('says "No changes." for a clean tree, exits 0 and writes diff.md beside the usual synth output', () => {
    const r = synthDiff("dev", "HEAD");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Offline synth diff of stack dev: working tree compared with HEAD (${base.slice(0, 12)})\nNo changes.\n`);
    expect(read("out", "dev", "diff.md")).toContain("\nNo changes.\n");
    expect(read("out", "dev", "diff.patch")).toBe("");
    expect(readdirSync(path.join(repo, "out", "dev", "pipelines")).sort()).toEqual(["api.yml", "worker.yml"]);
    // The exported tree and the base output are cleaned up.
    expect(leftovers()).toEqual([]);
  });

  it("reports exactly a platform added to an image and a removed pipeline", () => {
    const original = read("Pulumi.dev.yaml");
    const smoke = "          target: smoke\n          platforms: [linux/amd64]\n";
    expect(original).toContain(smoke);
    const workerStart = original.indexOf("    # Scenario: project token delivered as a Buildkite secret");
    expect(workerStart).toBeGreaterThan(0);
    const changed = original
      .slice(0, workerStart)
      .replace(smoke, "          target: smoke\n          platforms: [linux/amd64, linux/arm64]\n");
    writeFileSync(path.join(repo, "Pulumi.dev.yaml"), changed);
    try {
      const r = synthDiff("dev", "HEAD");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Pipeline files: 1 changed, 1 removed.");
      // Loading a 2-platform image brings back one platform: the new warning is in the diff too.
      const warning = "pipelines[0].images[1] (api/api-smoke) loads a 2-platform image: --load brings back only the agent's platform.";
      expect(r.stdout).toContain(`New warnings:\n  ! ${warning}\n`);

      // The platform change, in that pipeline's YAML, and nothing else in it.
      const patch = read("out", "dev", "diff.patch");
      const [apiPart, workerPart] = patch.split(/(?=^--- a\/pipelines\/worker\.yml$)/m);
      expect(apiPart.startsWith("--- a/pipelines/api.yml\n+++ b/pipelines/api.yml\n@@ ")).toBe(true);
      const minus = apiPart.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"));
      const plus = apiPart.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
      expect(minus).toEqual(["-            --platform 'linux/amd64' \\"]);
      expect(plus).toEqual(["+            --platform 'linux/amd64,linux/arm64' \\"]);
      expect(apiPart).toContain("  --target 'smoke' \\\n");
      // The removed pipeline's file, as removed.
      expect(workerPart.startsWith("--- a/pipelines/worker.yml\n+++ /dev/null\n@@ -1,")).toBe(true);
      expect(workerPart.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"))).toEqual([]);
      expect(existsSync(path.join(repo, "out", "dev", "pipelines", "worker.yml"))).toBe(false);

      // Resources: the api pipeline's steps changed; the worker pipeline's resources are removed.
      const resources = resourceLines(r.stdout);
      expect(resources.filter((x) => x.kind === "added")).toEqual([]);
      expect(resources.filter((x) => x.kind === "changed")).toEqual([
        { kind: "changed", type: "buildkite:Pipeline/pipeline:Pipeline", name: "api", what: "steps" },
      ]);
      const removed = resources.filter((x) => x.kind === "removed").map((x) => `${x.type} ${x.name}`);
      expect(removed).toEqual(
        expect.arrayContaining([
          "depot-buildkite:index:DepotImagePipeline worker",
          "buildkite:Pipeline/pipeline:Pipeline worker",
          "buildkite:Cluster/clusterSecret:ClusterSecret agent-secrets-buildkite-worker-DEPOT_TOKEN",
        ]),
      );
      for (const name of removed) expect(name).toMatch(/ \S*worker\S*$/);
      // ...and every worker resource is among them: only the ECR repository (configured apart
      // from pipelines under ecr.repositories) keeps "worker" in its name.
      const afterPlan = parsePlan(read("out", "dev", "plan.json"), "plan.json");
      expect(afterPlan.filter((x) => x.name.includes("worker")).every((x) => x.name.startsWith("ecr-worker"))).toBe(true);

      // The annotation says the same.
      const md = read("out", "dev", "diff.md");
      expect(md).toContain(`#### Offline synth diff: stack \`dev\` compared with \`HEAD (${base.slice(0, 12)})\``);
      expect(md).toContain(`**Pipeline files:** 1 changed, 1 removed. **Resources:** 1 to change, ${removed.length} to remove.`);
      expect(md).toContain("| changed | `buildkite:Pipeline/pipeline:Pipeline` | `api` | `steps` |");
      expect(md).toContain(`**New warnings:**\n\n- ${warning}\n`);
      expect(md).toContain("| removed | `buildkite:Pipeline/pipeline:Pipeline` | `worker` |");
      expect(md).toContain("<summary><code>pipelines/api.yml</code>: changed (+1 -1)</summary>");
      expect(md).toMatch(/<summary><code>pipelines\/worker\.yml<\/code>: removed \(\+0 -\d+\)<\/summary>/);
      expect(leftovers()).toEqual([]);
    } finally {
      writeFileSync(path.join(repo, "Pulumi.dev.yaml"), original);
    }
  });

  it("treats a stack file absent at the ref as everything added (and renders only the working tree)", () => {
    writeFileSync(path.join(repo, "Pulumi.fresh.yaml"), read("Pulumi.dev.yaml"));
    try {
      const r = synthDiff("fresh", base);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Pulumi.fresh.yaml does not exist at ${base}: everything is added.`);
      expect(r.stdout).toContain("Pipeline files: 2 added.");
      const resources = resourceLines(r.stdout);
      expect(resources.length).toBeGreaterThan(10);
      expect(resources.every((x) => x.kind === "added")).toBe(true);
      expect(read("out", "fresh", "diff.patch")).toContain("--- /dev/null\n+++ b/pipelines/api.yml\n");
    } finally {
      rmSync(path.join(repo, "Pulumi.fresh.yaml"));
    }
  });

  it("rejects an unknown ref with exit 2 before rendering anything", () => {
    const r = synthDiff("dev", "no-such-branch");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--diff: unknown git ref "no-such-branch"');
  });

  it("fails with exit 1, and says why in diff.md, when the ref cannot be rendered", () => {
    const good = read("Pulumi.dev.yaml");
    mkdirSync(path.join(repo, "out"), { recursive: true });
    writeFileSync(path.join(repo, "Pulumi.broken.yaml"), good.replace("platforms: [linux/amd64, linux/arm64]", "platforms: [linux/s390x]"));
    git(["add", "Pulumi.broken.yaml"]);
    git(["commit", "-q", "-m", "broken stack"]);
    writeFileSync(path.join(repo, "Pulumi.broken.yaml"), good);
    const r = synthDiff("broken", "HEAD");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Could not render stack broken at HEAD");
    expect(r.stderr).toContain('"linux/s390x" is not allowed');
    const md = read("out", "broken", "diff.md");
    expect(md).toContain("#### Offline synth diff: stack `broken` compared with `HEAD` failed");
    expect(md).toContain('"linux/s390x" is not allowed');
    expect(leftovers()).toEqual([]);
  });
});
