/**
 * The pure half of `npm run synth -- --diff REF` (src/synth/diff.ts): comparing plans and rendered
 * files, and the Markdown for the annotation, including truncation under Buildkite's 1 MiB limit.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import {
  ANNOTATION_LIMIT_BYTES,
  changedValues,
  compareFiles,
  comparePlans,
  diffStat,
  type DiffReport,
  fenced,
  hasChanges,
  isRenderedPipelineFile,
  normalizeGitDiff,
  parsePlan,
  type PlannedResource,
  renderDiffMarkdown,
  renderDiffText,
  renderPatch,
  shareBudget,
  summaryWarnings,
  compareWarnings,
  truncateLines,
} from "../../src/synth/diff";

const fixture = (name: string) => readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const before = parsePlan(fixture("plan-before.json"), "plan-before.json");
const after = parsePlan(fixture("plan-after.json"), "plan-after.json");
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

function report(over: Partial<DiffReport> = {}): DiffReport {
  return {
    stack: "dev",
    ref: "origin/main",
    commit: "0123456789abcdef0123456789abcdef01234567",
    missingBefore: false,
    missingAfter: false,
    files: [],
    resources: [],
    ...over,
  };
}

/** A unified diff of `n` changed lines of `width` characters each. */
function bigDiff(rel: string, n: number, width = 60, char = "x"): string {
  const body: string[] = [`--- a/${rel}`, `+++ b/${rel}`, `@@ -1,${n} +1,${n} @@`];
  for (let i = 0; i < n; i++) body.push(`-${char.repeat(width)} ${i}`, `+${char.repeat(width)} ${i} changed`);
  return `${body.join("\n")}\n`;
}

describe("rendered files", () => {
  it("recognises pipeline files only: pipelines/<slug>.yml and repositories/<slug>/.buildkite/pipeline.yml", () => {
    expect(isRenderedPipelineFile("pipelines/api.yml")).toBe(true);
    expect(isRenderedPipelineFile("repositories/api/.buildkite/pipeline.yml")).toBe(true);
    for (const other of ["plan.json", "summary.md", "diff.md", "pipelines/api.yaml", "pipelines/x/y.yml", "repositories/api/pipeline.yml"]) {
      expect(isRenderedPipelineFile(other)).toBe(false);
    }
  });

  it("classifies files as added, changed or removed, sorted by path; identical files are left out", () => {
    const a = new Map([
      ["pipelines/worker.yml", "steps: []\n"],
      ["pipelines/api.yml", "steps: [a]\n"],
      ["pipelines/same.yml", "steps: [s]\n"],
    ]);
    const b = new Map([
      ["pipelines/api.yml", "steps: [b]\n"],
      ["repositories/api/.buildkite/pipeline.yml", "steps: []\n"],
      ["pipelines/same.yml", "steps: [s]\n"],
    ]);
    expect(compareFiles(a, b)).toEqual([
      { path: "pipelines/api.yml", status: "changed" },
      { path: "pipelines/worker.yml", status: "removed" },
      { path: "repositories/api/.buildkite/pipeline.yml", status: "added" },
    ]);
  });

  it("replaces git's temporary-path headers with a/<rel> and b/<rel> (or /dev/null) and keeps the hunks", () => {
    const changed = [
      "diff --git a/scratch/x/out/dev/pipelines/api.yml b/tree/out/dev/pipelines/api.yml",
      "index 1111111..2222222 100644",
      "--- a/scratch/x/out/dev/pipelines/api.yml",
      "+++ b/tree/out/dev/pipelines/api.yml",
      "@@ -1,2 +1,2 @@",
      " steps:",
      "-  - a",
      "+  - b",
      "",
    ].join("\n");
    expect(normalizeGitDiff(changed, "pipelines/api.yml", "changed")).toBe(
      ["--- a/pipelines/api.yml", "+++ b/pipelines/api.yml", "@@ -1,2 +1,2 @@", " steps:", "-  - a", "+  - b", ""].join("\n"),
    );
    const added = ["diff --git a/x b/x", "new file mode 100644", "index 0000000..1111111", "--- /dev/null", "+++ b/scratch/new.yml", "@@ -0,0 +1 @@", "+steps: []", ""].join("\n");
    expect(normalizeGitDiff(added, "pipelines/new.yml", "added")).toBe("--- /dev/null\n+++ b/pipelines/new.yml\n@@ -0,0 +1 @@\n+steps: []\n");
    const removed = ["diff --git a/x b/x", "deleted file mode 100644", "--- a/scratch/old.yml", "+++ /dev/null", "@@ -1 +0,0 @@", "-steps: []", "\\ No newline at end of file", ""].join("\n");
    expect(normalizeGitDiff(removed, "pipelines/old.yml", "removed")).toBe(
      "--- a/pipelines/old.yml\n+++ /dev/null\n@@ -1 +0,0 @@\n-steps: []\n\\ No newline at end of file\n",
    );
  });

  it("counts added and removed lines without the headers", () => {
    expect(diffStat("--- a/p\n+++ b/p\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n+d\n")).toEqual({ added: 2, removed: 1 });
  });
});

describe("plan comparison (hand-made plan.json fixtures)", () => {
  it("parses plan.json and rejects anything without type, name and inputs", () => {
    expect(before).toHaveLength(6);
    expect(before[0]).toMatchObject({ type: "aws:ecr/repository:Repository", name: "ecr-api", protect: true });
    expect(() => parsePlan("{", "x.json")).toThrow(/x\.json: not JSON/);
    expect(() => parsePlan('{"resources": {}}', "x.json")).toThrow(/"resources" list/);
    expect(() => parsePlan('{"resources": [{"type": "t", "name": "n"}]}', "x.json")).toThrow(/resources\[0\]/);
  });

  it("lists added, changed (with what changed) and removed resources by type and name, in that order", () => {
    const changes = comparePlans(before, after);
    expect(changes.map((c) => [c.kind, c.type, c.name])).toEqual([
      ["added", "buildkite:Pipeline/schedule:Schedule", "api-nightly"],
      ["changed", "aws:ecr/repository:Repository", "ecr-api"],
      ["changed", "buildkite:Pipeline/pipeline:Pipeline", "api"],
      ["removed", "buildkite:Cluster/clusterSecret:ClusterSecret", "agent-secrets-buildkite-worker-DEPOT_TOKEN"],
      ["removed", "buildkite:Pipeline/pipeline:Pipeline", "worker"],
      ["removed", "depot-buildkite:index:DepotImagePipeline", "worker"],
    ]);
    const ecr = changes.find((c) => c.name === "ecr-api");
    expect(ecr?.inputs).toEqual([{ path: "imageTagMutability", before: "MUTABLE", after: "IMMUTABLE" }]);
    expect(ecr?.options).toEqual([{ path: "protect", before: true, after: undefined }]);
    expect(changes.find((c) => c.name === "api" && c.kind === "changed")?.inputs.map((i) => i.path)).toEqual(["steps"]);
    expect(changes.find((c) => c.name === "agent-secrets-buildkite-worker-DEPOT_TOKEN")?.retainOnDelete).toBe(true);
  });

  it("treats a missing base (stack absent at the ref) as everything added, and a missing stack as everything removed", () => {
    const all = comparePlans(null, after);
    expect(all).toHaveLength(after.length);
    expect(all.every((c) => c.kind === "added")).toBe(true);
    expect(comparePlans(before, null).every((c) => c.kind === "removed")).toBe(true);
    expect(comparePlans(before, before)).toEqual([]);
  });

  it("compares inputs, not key order or undefined keys", () => {
    const a: PlannedResource = { type: "t", name: "n", inputs: { a: 1, b: { c: [1, 2] }, gone: undefined } };
    const b: PlannedResource = { type: "t", name: "n", inputs: { b: { c: [1, 2] }, a: 1 } };
    expect(comparePlans([a], [b])).toEqual([]);
  });

  it("keeps two resources with the same type and name under different parents apart", () => {
    const r = (parent: string, v: number): PlannedResource => ({ type: "t", name: "n", parent, inputs: { v } });
    expect(comparePlans([r("p1", 1), r("p2", 2)], [r("p1", 1), r("p2", 2)])).toEqual([]);
    expect(comparePlans([r("p1", 1), r("p2", 2)], [r("p1", 1), r("p2", 3)])).toHaveLength(1);
  });

  it("names changed leaves by path: nested keys, list items, odd keys; lists of another length as a whole", () => {
    expect(changedValues({ a: { b: 1, c: [1, 2] }, "x y": 1 }, { a: { b: 2, c: [1, 3] }, "x y": 2 })).toEqual([
      { path: "a.b", before: 1, after: 2 },
      { path: "a.c[1]", before: 2, after: 3 },
      { path: '"x y"', before: 1, after: 2 },
    ]);
    expect(changedValues({ l: [1] }, { l: [1, 2] })).toEqual([{ path: "l", before: [1], after: [1, 2] }]);
    expect(changedValues(1, 2)).toEqual([{ path: "(value)", before: 1, after: 2 }]);
  });
});

describe("Markdown for the annotation and text for the terminal", () => {
  const apiDiff = "--- a/pipelines/api.yml\n+++ b/pipelines/api.yml\n@@ -1,2 +1,2 @@\n steps:\n-  - depot build --platform linux/amd64\n+  - depot build --platform linux/amd64,linux/arm64\n";
  const workerDiff = "--- a/pipelines/worker.yml\n+++ /dev/null\n@@ -1 +0,0 @@\n-steps: []\n";
  const full = report({
    files: [
      { path: "pipelines/api.yml", status: "changed", diff: apiDiff },
      { path: "pipelines/worker.yml", status: "removed", diff: workerDiff },
    ],
    resources: comparePlans(before, after),
  });

  it('says "No changes." when nothing changed', () => {
    const empty = report();
    expect(hasChanges(empty)).toBe(false);
    const md = renderDiffMarkdown(empty);
    expect(md).toContain("stack `dev` compared with `origin/main (0123456789ab)`");
    expect(md).toContain("\nNo changes.\n");
    expect(renderDiffText(empty)).toContain("\nNo changes.\n");
    expect(renderPatch(empty)).toBe("");
  });

  it("renders counts, a resource table and one diff block per file (removed files folded)", () => {
    const md = renderDiffMarkdown(full);
    expect(md).toContain("**Pipeline files:** 1 changed, 1 removed. **Resources:** 1 to add, 2 to change, 3 to remove.");
    expect(md).toContain("| added | `buildkite:Pipeline/schedule:Schedule` | `api-nightly` |  |");
    expect(md).toContain(
      "| changed | `aws:ecr/repository:Repository` | `ecr-api` | `imageTagMutability`: `MUTABLE` → `IMMUTABLE`, `protect`: `true` → `(none)` |",
    );
    expect(md).toContain("| changed | `buildkite:Pipeline/pipeline:Pipeline` | `api` | `steps` |");
    expect(md).toContain("| removed | `buildkite:Cluster/clusterSecret:ClusterSecret` | `agent-secrets-buildkite-worker-DEPOT_TOKEN` | retainOnDelete");
    expect(md).toContain(`<details open>\n<summary><code>pipelines/api.yml</code>: changed (+1 -1)</summary>\n\n\`\`\`diff\n${apiDiff}\`\`\`\n`);
    expect(md).toContain(`<details>\n<summary><code>pipelines/worker.yml</code>: removed (+0 -1)</summary>`);
    expect(md).not.toContain("truncated");
  });

  it("warns about removing a protected resource", () => {
    const prot: PlannedResource = { type: "aws:ecr/repository:Repository", name: "ecr-api", protect: true, inputs: {} };
    const md = renderDiffMarkdown(report({ resources: comparePlans([prot], []) }));
    expect(md).toContain("| removed | `aws:ecr/repository:Repository` | `ecr-api` | protected: `pulumi up` refuses to delete it");
  });

  it("prints the same for the terminal, with every diff in full", () => {
    const text = renderDiffText(full);
    expect(text).toContain("working tree compared with origin/main (0123456789ab)");
    expect(text).toContain("  ~ changed aws:ecr/repository:Repository ecr-api (imageTagMutability: MUTABLE → IMMUTABLE, protect: true → (none))");
    expect(text).toContain("  - removed buildkite:Pipeline/pipeline:Pipeline worker\n");
    expect(text).toContain(`pipelines/api.yml: changed\n${apiDiff}`);
    expect(renderPatch(full)).toBe(apiDiff + workerDiff);
  });

  it("fences code that itself contains backtick fences, and escapes pipes in table cells", () => {
    expect(fenced("a\n```\nb\n", "diff")).toBe("````diff\na\n```\nb\n````");
    const r: PlannedResource = { type: "t", name: "n", inputs: { cmd: "a | b" } };
    const md = renderDiffMarkdown(report({ resources: comparePlans([r], [{ ...r, inputs: { cmd: "a | c" } }]) }));
    expect(md).toContain("| changed | `t` | `n` | `cmd` |");
  });

  it("mentions a stack file missing at the ref", () => {
    expect(renderDiffMarkdown(report({ missingBefore: true, resources: comparePlans(null, after) }))).toContain(
      "`Pulumi.dev.yaml` does not exist at `origin/main`: everything is added.",
    );
  });
});

describe("truncation under the annotation limit", () => {
  it("keeps whole lines within a byte budget, counting UTF-8 bytes", () => {
    expect(truncateLines("ab\ncd\nef\n", 6)).toEqual({ text: "ab\ncd\n", keptLines: 2, totalLines: 3 });
    expect(truncateLines("ab\ncd\n", 100)).toEqual({ text: "ab\ncd\n", keptLines: 2, totalLines: 2 });
    // "é" is two bytes: "éé\n" is 5 bytes and does not fit in 4.
    expect(truncateLines("éé\nx\n", 4)).toEqual({ text: "", keptLines: 0, totalLines: 2 });
  });

  it("shares a budget: small items whole, large ones split what is left", () => {
    expect(shareBudget([10, 1000, 1000], 610)).toEqual([10, 300, 300]);
    expect(shareBudget([10, 20], 100)).toEqual([10, 20]);
    expect(shareBudget([5, 5], -3)).toEqual([0, 0]);
  });

  it("stays under 1 MiB with a 3 MiB diff: the small diff stays whole, the big one is cut with a visible note", () => {
    const small = "--- a/pipelines/api.yml\n+++ b/pipelines/api.yml\n@@ -1 +1 @@\n-a\n+b\n";
    const huge = bigDiff("pipelines/huge.yml", 25_000);
    expect(bytes(huge)).toBeGreaterThan(3_000_000);
    const md = renderDiffMarkdown(
      report({
        files: [
          { path: "pipelines/api.yml", status: "changed", diff: small },
          { path: "pipelines/huge.yml", status: "changed", diff: huge },
        ],
      }),
      { fullDiffHint: "run the synth locally" },
    );
    expect(bytes(md)).toBeLessThanOrEqual(ANNOTATION_LIMIT_BYTES);
    expect(bytes(md)).toBeGreaterThan(ANNOTATION_LIMIT_BYTES * 0.9);
    expect(md).toContain(`\`\`\`diff\n${small}\`\`\``);
    expect(md).toMatch(/> \*\*Truncated:\*\* \d+ of 50003 diff lines shown\./);
    expect(md).toContain("truncated to stay under Buildkite's annotation size limit. For everything: run the synth locally.");
    // The cut is at a line boundary, inside a closed fence.
    expect(md.match(/^```/gm)?.length).toBe(4);
  });

  it("cuts a huge resource table too", () => {
    const many: PlannedResource[] = Array.from({ length: 20_000 }, (_, i) => ({ type: "aws:iam/role:Role", name: `role-${"r".repeat(40)}-${i}`, inputs: {} }));
    const md = renderDiffMarkdown(report({ resources: comparePlans(null, many) }), { limitBytes: 200_000 });
    expect(bytes(md)).toBeLessThanOrEqual(200_000);
    expect(md).toMatch(/\| … \| \d+ more resources not shown \| \| \|/);
  });

  it("never exceeds the limit, whatever the diffs (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ lines: fc.integer({ min: 0, max: 400 }), width: fc.integer({ min: 1, max: 120 }), wide: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 4_000, max: 60_000 }),
        (specs, limit) => {
          const files = specs.map((s, i) => ({
            path: `pipelines/p${i}.yml`,
            status: "changed" as const,
            diff: bigDiff(`pipelines/p${i}.yml`, s.lines, s.width, s.wide ? "é" : "x"),
          }));
          const md = renderDiffMarkdown(report({ files }), { limitBytes: limit });
          expect(bytes(md)).toBeLessThanOrEqual(limit);
          for (const f of files) expect(md).toContain(`<summary><code>${f.path}</code>`);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("warnings in the diff", () => {
  const summary = ["# Stack `dev`", "", "## Warnings", "", "- one", "- two: with `code`", "", "## To do by hand", "", "- not a warning", ""].join("\n");

  it("reads the bullet lines of the summary's Warnings section only", () => {
    expect(summaryWarnings(summary)).toEqual(["one", "two: with `code`"]);
    expect(summaryWarnings("# Stack `dev`\n\n## To do by hand\n\n- x\n")).toEqual([]);
  });

  it("does not count a warning as changed when only its pipeline's index moved", () => {
    const before = ["pipelines[0].images[1] (api/smoke) loads a 2-platform image."];
    const after = ["pipelines[0].images[0] (new/app) neither pushes, loads nor saves.", "pipelines[1].images[1] (api/smoke) loads a 2-platform image."];
    expect(compareWarnings(before, after)).toEqual({ added: [after[0]], removed: [] });
  });

  it("lists the warnings that appear and those that go, and counts them as changes", () => {
    const warnings = compareWarnings(["one", "two"], ["two", "three"]);
    expect(warnings).toEqual({ added: ["three"], removed: ["one"] });
    const r = report({ warnings });
    expect(hasChanges(r)).toBe(true);
    expect(hasChanges(report({ warnings: compareWarnings(["a"], ["a"]) }))).toBe(false);
    expect(renderDiffText(r)).toContain("New warnings:\n  ! three\n\nWarnings gone:\n  - one\n");
    expect(renderDiffMarkdown(r)).toContain("**New warnings:**\n\n- three\n\n**Warnings gone:**\n\n- one\n");
  });
});
