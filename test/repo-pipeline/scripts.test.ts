/**
 * The repository pipeline's scripts, run by bash with fake `buildkite-agent`, `npm`, `git` and
 * `pulumi` on PATH: what they call, what they annotate, and that a preview annotation stays under
 * Buildkite's 1 MiB limit however long the preview is.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS = path.join(ROOT, ".buildkite", "scripts");
const MIB = 1024 * 1024;

let dir: string;
let checkout: string;
let bin: string;
let calls: string;

/** A fake command: logs its argv (one call per line, arguments joined by spaces), then runs `body`. */
function fake(name: string, body: string): void {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >>"${calls}"\n${body}\n`);
  chmodSync(file, 0o755);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "repo-scripts-"));
  checkout = path.join(dir, "checkout");
  bin = path.join(dir, "bin");
  calls = path.join(dir, "calls.log");
  mkdirSync(checkout);
  mkdirSync(bin);
  mkdirSync(path.join(dir, "annotations"));
  writeFileSync(calls, "");
  // Each annotation body is kept, named by its context.
  fake(
    "buildkite-agent",
    `ctx=""; while [[ $# -gt 0 ]]; do [[ "$1" == --context ]] && ctx="$2"; shift; done; cat >"${dir}/annotations/\${ctx}.md"`,
  );
  fake("git", "exit 0");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync("bash", [path.join(SCRIPTS, script), ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * MIB,
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: dir, BUILDKITE_BUILD_CHECKOUT_PATH: checkout, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: readFileSync(calls, "utf8").trim().split("\n") };
}

const annotation = (context: string) => readFileSync(path.join(dir, "annotations", `${context}.md`));

describe("synth-diff.sh", () => {
  const npm = (exit: number) =>
    fake(
      "npm",
      `if [[ "$1" == run ]]; then mkdir -p out/pr/dev; printf '#### Offline synth diff\\n\\nNo changes.\\n' >out/pr/dev/diff.md; exit ${exit}; fi`,
    );

  it("fetches the base branch, runs the offline diff against it and annotates diff.md as synth-STACK (info)", () => {
    npm(0);
    const r = run("synth-diff.sh", ["dev"], { BUILDKITE_PULL_REQUEST_BASE_BRANCH: "main" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      "git fetch --no-tags origin +refs/heads/main:refs/remotes/origin/main",
      "npm ci --no-audit --no-fund",
      "npm run --silent synth -- --stack dev --out out/pr --diff origin/main",
      "buildkite-agent annotate --context synth-dev --style info",
    ]);
    expect(annotation("synth-dev").toString()).toBe("#### Offline synth diff\n\nNo changes.\n");
  });

  it("annotates with style error and fails when the diff fails", () => {
    npm(1);
    const r = run("synth-diff.sh", ["dev"], { BUILDKITE_PULL_REQUEST_BASE_BRANCH: "main" });
    expect(r.code).toBe(1);
    expect(r.calls.at(-1)).toBe("buildkite-agent annotate --context synth-dev --style error");
  });

  it("still annotates (error) when the diff wrote nothing, and never reuses a stale diff.md", () => {
    fake("npm", `if [[ "$1" == run ]]; then exit 2; fi`);
    mkdirSync(path.join(checkout, "out", "pr", "dev"), { recursive: true });
    writeFileSync(path.join(checkout, "out", "pr", "dev", "diff.md"), "stale from an earlier build\n");
    const r = run("synth-diff.sh", ["dev"], { BUILDKITE_PULL_REQUEST_BASE_BRANCH: "main" });
    expect(r.code).toBe(2);
    expect(r.calls.at(-1)).toBe("buildkite-agent annotate --context synth-dev --style error");
    expect(annotation("synth-dev").toString()).toBe("Offline synth diff of stack `dev` failed (exit 2): see the job log.\n");
  });

  it("refuses to run outside a pull request build", () => {
    npm(0);
    const r = run("synth-diff.sh", ["dev"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("not a pull request build");
    expect(r.calls).toEqual([""]);
  });
});

describe("pulumi-preview.sh", () => {
  const SUMMARY = "Resources:\n    + 2 to create\n    ~ 1 to update\n    12 unchanged\n";

  function pulumi(output: string, exit = 0): void {
    writeFileSync(path.join(dir, "preview.txt"), output);
    fake("npm", "exit 0");
    fake("pulumi", `cat "${dir}/preview.txt"; exit ${exit}`);
  }

  it("posts the change summary and the whole preview as pulumi-STACK", () => {
    const body = `Previewing update (dev)\n\n  ~ buildkite:Pipeline/pipeline:Pipeline api update [diff: ~steps]\n      - --platform 'linux/amd64'\n      + --platform 'linux/amd64,linux/arm64'\n\n${SUMMARY}`;
    pulumi(body);
    const r = run("pulumi-preview.sh", ["dev"]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      "npm ci --no-audit --no-fund",
      "pulumi preview --diff --stack dev --non-interactive --color never",
      "buildkite-agent annotate --context pulumi-dev --style info",
    ]);
    expect(r.stdout).toContain(body);
    const md = annotation("pulumi-dev").toString();
    expect(md).toBe(
      [
        "#### :pulumi: `pulumi preview --diff` of stack `dev`",
        "",
        "```",
        SUMMARY + "```",
        "",
        "<details>",
        `<summary>Full preview (${body.split("\n").length - 1} lines)</summary>`,
        "",
        "```",
        body + "```",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
    // The raw preview is kept for the artifact.
    expect(readFileSync(path.join(checkout, "out", "preview", "dev.txt"), "utf8")).toBe(body);
  });

  it("cuts a 3 MB preview at a line boundary to stay under 1 MiB, valid UTF-8, with a visible note", () => {
    const line = (i: number) => `    ~ aws:iam/role:Role role-${i} update [diff: ~inlinePolicies] “ünïcode” ${"x".repeat(60)}\n`;
    const lines = ["Previewing update (prod)\n\n"];
    for (let i = 0, size = 0; size < 3_000_000; i++) {
      lines.push(line(i));
      size += Buffer.byteLength(line(i));
    }
    const big = lines.join("");
    pulumi(big + SUMMARY);
    const r = run("pulumi-preview.sh", ["prod"]);
    expect(r.code).toBe(0);
    const md = annotation("pulumi-prod");
    expect(md.length).toBeLessThanOrEqual(MIB);
    expect(md.length).toBeGreaterThan(900_000);
    const textMd = md.toString("utf8");
    expect(Buffer.from(textMd, "utf8").equals(md)).toBe(true);
    expect(textMd).toContain(`\`\`\`\n${SUMMARY}\`\`\``);
    expect(textMd).toContain("> **Truncated** to stay under the annotation size limit: the full preview is the artifact `out/preview/prod.txt`.");
    // Every kept line is whole.
    const kept = textMd.split("<summary>")[1].split("\n").filter((l) => l.startsWith("    ~ aws:iam/role:Role"));
    expect(kept.length).toBeGreaterThan(1000);
    for (const l of kept) expect(l.endsWith("x".repeat(60))).toBe(true);
  });

  it("reports a failed preview with its last lines and style error, and fails the step", () => {
    pulumi("Previewing update (dev)\nerror: stack 'dev' not found\n", 255);
    const r = run("pulumi-preview.sh", ["dev"]);
    expect(r.code).toBe(255);
    expect(r.calls.at(-1)).toBe("buildkite-agent annotate --context pulumi-dev --style error");
    const md = annotation("pulumi-dev").toString();
    expect(md).toContain("**The preview failed (exit 255).** The last lines:\n\n```\nPreviewing update (dev)\nerror: stack 'dev' not found\n```");
  });

  it("uses a longer fence when the preview itself contains backtick fences, and strips terminal colours", () => {
    pulumi("Previewing\n\u001b[32m+ a\u001b[0m\n````\n" + SUMMARY);
    const r = run("pulumi-preview.sh", ["dev"]);
    expect(r.code).toBe(0);
    const md = annotation("pulumi-dev").toString();
    expect(md).toContain("`````\nPreviewing\n+ a\n````\n");
    expect(md).not.toContain("\u001b");
  });
});

describe("pulumi-up.sh and test.sh", () => {
  it("pulumi-up.sh installs and runs pulumi up --yes for the stack", () => {
    fake("npm", "exit 0");
    fake("pulumi", "exit 0");
    const r = run("pulumi-up.sh", ["prod"]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(["npm ci --no-audit --no-fund", "pulumi up --yes --stack prod --non-interactive --color never"]);
  });

  it("test.sh downloads the schema when only a URL is given, and hands over to .ci/run", () => {
    mkdirSync(path.join(checkout, ".ci"));
    writeFileSync(path.join(checkout, ".ci", "run"), `#!/usr/bin/env bash\nprintf 'ci-run %s\\n' "$(cat "$BUILDKITE_PIPELINE_SCHEMA")" >>"${calls}"\n`);
    chmodSync(path.join(checkout, ".ci", "run"), 0o755);
    fake("curl", `while [[ $# -gt 1 ]]; do [[ "$1" == -o ]] && out="$2"; shift; done; echo '{"schema": true}' >"$out"`);
    const r = run("test.sh", [], { BUILDKITE_PIPELINE_SCHEMA_URL: "https://example.invalid/schema.json" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([expect.stringMatching(/^curl -fsSL --retry 3 -o \S+ https:\/\/example\.invalid\/schema\.json$/), 'ci-run {"schema": true}']);
    expect(existsSync(path.join(checkout, "out"))).toBe(false);
    expect(readdirSync(checkout)).toEqual([".ci"]);
  });
});
