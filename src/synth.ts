/**
 * Offline synth: `npm run synth -- --stack dev [--out DIR] [--diff GIT_REF]`.
 *
 * Runs the real program under Pulumi's mocks with the config from `Pulumi.<stack>.yaml` and
 * writes, under DIR/<stack>/ (default out/): pipelines/<slug>.yml, plan.json and summary.md.
 * Bad config: exit code 1 and the config errors, nothing else.
 *
 * `--diff GIT_REF` also renders the stack as it was at GIT_REF (that tree's own program and config,
 * run by that tree's own synth in a temporary export) and prints what changed: the unified diff of
 * every rendered pipeline file and the resources added, changed and removed. It writes
 * DIR/<stack>/diff.md (for `buildkite-agent annotate`) and DIR/<stack>/diff.patch, and exits 0
 * whether or not anything changed. No credentials are needed.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  compareFiles,
  comparePlans,
  compareWarnings,
  type DiffReport,
  type FileChange,
  isRenderedPipelineFile,
  normalizeGitDiff,
  parsePlan,
  type PlannedResource,
  renderDiffMarkdown,
  renderDiffText,
  renderPatch,
  summaryWarnings,
} from "./synth/diff";
import { ConfigErrors, runStack } from "./synth/run";
import { writeSynth } from "./synth/write";

interface Args {
  stack: string;
  out: string;
  diff?: string;
}

function usage(): string {
  return "usage: npm run synth -- --stack STACK [--out DIR] [--diff GIT_REF]";
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { stack: "dev", out: "out" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${usage()}`);
      return v;
    };
    if (a === "--stack" || a === "-s") args.stack = next();
    else if (a === "--out" || a === "-o") args.out = next();
    else if (a === "--diff") args.diff = next();
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${usage()}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${usage()}`);
  }
  return args;
}

/** An expected failure of `--diff`: message for stderr, exit code, and whether to explain it in diff.md. */
class DiffFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly annotate: boolean,
  ) {
    super(message);
  }
}

/** A RunError from the program is a config problem too. */
function isRunError(e: unknown): e is Error {
  return e instanceof Error && (e.constructor?.name === "RunError" || (e as { __pulumiRunError?: boolean }).__pulumiRunError === true);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  if (args.diff !== undefined) {
    process.exitCode = await diffMain({ ...args, diff: args.diff });
    return;
  }
  try {
    const run = await runStack({ stack: args.stack, projectDir: process.cwd() });
    const written = writeSynth(run, path.resolve(process.cwd(), args.out));
    process.stdout.write(`${written.summary}\n`);
    process.stdout.write(`Wrote ${written.files.length} files to ${path.relative(process.cwd(), written.dir) || "."}/\n`);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    const err = e as Error & { code?: string };
    if (err.code === "ENOENT") {
      process.stderr.write(`No stack file Pulumi.${args.stack}.yaml in this directory\n`);
      process.exit(1);
    }
    if (isRunError(e)) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// --diff

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[]): Proc {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new DiffFailure(`cannot run git: ${r.error.message}`, 2, false);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run a command without blocking the event loop (the working tree renders meanwhile). */
function runAsync(cmd: string, args: string[], cwd: string, timeoutMs: number): { done: Promise<Proc>; kill: () => void } {
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<Proc>((resolve) => {
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}\n` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    done,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}

interface Rendered {
  files: Map<string, string>;
  plan: PlannedResource[];
  warnings: string[];
}

/** The pipeline files and plan of one synth output folder (`<out>/<stack>`). */
function readRendered(stackDir: string, what: string): Rendered {
  const files = new Map<string, string>();
  for (const entry of readdirSync(stackDir, { recursive: true, encoding: "utf8" })) {
    const rel = entry.split(path.sep).join("/");
    const full = path.join(stackDir, entry);
    if (isRenderedPipelineFile(rel) && statSync(full).isFile()) files.set(rel, readFileSync(full, "utf8"));
  }
  const planFile = path.join(stackDir, "plan.json");
  if (!existsSync(planFile)) throw new DiffFailure(`${what}: the synth wrote no plan.json`, 1, true);
  const summaryFile = path.join(stackDir, "summary.md");
  const warnings = existsSync(summaryFile) ? summaryWarnings(readFileSync(summaryFile, "utf8")) : [];
  return { files, plan: parsePlan(readFileSync(planFile, "utf8"), `${what} plan.json`), warnings };
}

/** `git diff --no-index` of one file (either side may be missing), with portable headers. */
function unifiedDiff(beforeFile: string | undefined, afterFile: string | undefined, change: { path: string; status: FileChange["status"] }): string {
  const r = git(os.tmpdir(), [
    "-c",
    "core.quotePath=false",
    "diff",
    "--no-index",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-U3",
    "--",
    beforeFile ?? "/dev/null",
    afterFile ?? "/dev/null",
  ]);
  if (r.code !== 0 && r.code !== 1) throw new DiffFailure(`git diff failed for ${change.path}: ${r.stderr.trim()}`, 3, false);
  return normalizeGitDiff(r.stdout, change.path, change.status);
}

/**
 * Export the project folder as it is at `commit` into `dir` and symlink the working tree's
 * node_modules into it, so that tree's own synth can run.
 */
function exportTree(projectDir: string, commit: string, prefix: string, dir: string, tmp: string): void {
  const tar = path.join(tmp, "tree.tar");
  const treeish = `${commit}:${prefix.replace(/\/$/, "")}`;
  const a = git(projectDir, ["archive", "--format=tar", `--output=${tar}`, treeish]);
  if (a.code !== 0) throw new DiffFailure(`git archive ${treeish} failed: ${a.stderr.trim()}`, 2, false);
  mkdirSync(dir, { recursive: true });
  const x = spawnSync("tar", ["-xf", tar, "-C", dir], { encoding: "utf8" });
  if (x.status !== 0) throw new DiffFailure(`extracting the tree at ${commit} failed: ${x.stderr ?? x.error?.message ?? ""}`, 3, false);
  rmSync(tar, { force: true });
  const modules = path.join(projectDir, "node_modules");
  if (!existsSync(modules)) throw new DiffFailure("node_modules is missing: run `npm ci` first", 2, false);
  const link = path.join(dir, "node_modules");
  rmSync(link, { recursive: true, force: true });
  symlinkSync(modules, link, "dir");
}

function head(text: string, lines: number): string {
  const all = text.trimEnd().split("\n");
  return all.length <= lines ? all.join("\n") : [...all.slice(0, lines), `... (${all.length - lines} more lines)`].join("\n");
}

function failureMarkdown(stack: string, ref: string, message: string): string {
  return [
    `#### Offline synth diff: stack \`${stack}\` compared with \`${ref}\` failed`,
    "",
    "```text",
    message.replace(/```/g, "'''"),
    "```",
    "",
  ].join("\n");
}

async function diffMain(args: Args & { diff: string }): Promise<number> {
  const projectDir = process.cwd();
  const outRoot = path.resolve(projectDir, args.out);
  const stackDir = path.join(outRoot, args.stack);
  const stackFile = `Pulumi.${args.stack}.yaml`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "synth-diff-"));
  let pending: { done: Promise<Proc>; kill: () => void } | undefined;
  try {
    // Where we are in the repository, and what the ref is.
    const top = git(projectDir, ["rev-parse", "--show-prefix"]);
    if (top.code !== 0) throw new DiffFailure(`--diff needs a git repository: ${top.stderr.trim()}`, 2, false);
    const prefix = top.stdout.trim();
    const resolved = git(projectDir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${args.diff}^{commit}`]);
    if (resolved.code !== 0) throw new DiffFailure(`--diff: unknown git ref ${JSON.stringify(args.diff)} (fetch it first?)`, 2, false);
    const commit = resolved.stdout.trim();

    // The base: that tree's own synth on that tree's own stack file, running while we render ours.
    const missingBefore = git(projectDir, ["cat-file", "-e", `${commit}:${prefix}${stackFile}`]).code !== 0;
    const baseOut = path.join(tmp, "out");
    if (!missingBefore) {
      const tree = path.join(tmp, "tree");
      exportTree(projectDir, commit, prefix, tree, tmp);
      const tsx = path.join(tree, "node_modules", ".bin", "tsx");
      pending = runAsync(tsx, [path.join(tree, "src", "synth.ts"), "--stack", args.stack, "--out", baseOut], tree, 10 * 60_000);
    }

    // The working tree, in this process, into the usual output folder.
    const missingAfter = !existsSync(path.join(projectDir, stackFile));
    if (missingBefore && missingAfter) throw new DiffFailure(`No stack file ${stackFile} in this directory or at ${args.diff}`, 1, false);
    let after: Rendered = { files: new Map(), plan: [], warnings: [] };
    if (!missingAfter) {
      try {
        writeSynth(await runStack({ stack: args.stack, projectDir }), outRoot);
      } catch (e) {
        if (e instanceof ConfigErrors || isRunError(e)) throw new DiffFailure(e.message, 1, true);
        throw e;
      }
      after = readRendered(stackDir, "working tree");
    }

    let before: Rendered = { files: new Map(), plan: [], warnings: [] };
    if (pending) {
      const base = await pending.done;
      pending = undefined;
      if (base.code !== 0) {
        const detail = base.stderr.trim() !== "" ? head(base.stderr, 40) : head(base.stdout, 40);
        throw new DiffFailure(`Could not render stack ${args.stack} at ${args.diff} (${commit.slice(0, 12)}), exit ${String(base.code)}:\n${detail}`, 1, true);
      }
      before = readRendered(path.join(baseOut, args.stack), `${args.diff}`);
    }

    const files: FileChange[] = compareFiles(before.files, after.files).map((c) => ({
      ...c,
      diff: unifiedDiff(
        c.status === "added" ? undefined : path.join(baseOut, args.stack, c.path),
        c.status === "removed" ? undefined : path.join(stackDir, c.path),
        c,
      ),
    }));
    const report: DiffReport = {
      stack: args.stack,
      ref: args.diff,
      commit,
      missingBefore,
      missingAfter,
      files,
      resources: comparePlans(missingBefore ? null : before.plan, missingAfter ? null : after.plan),
      warnings: compareWarnings(before.warnings, after.warnings),
    };
    const hint = `\`npm run synth -- --stack ${args.stack} --diff ${args.diff}\` prints every diff in full (also written to \`diff.patch\`)`;
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(path.join(stackDir, "diff.md"), renderDiffMarkdown(report, { fullDiffHint: hint }));
    writeFileSync(path.join(stackDir, "diff.patch"), renderPatch(report));
    process.stdout.write(renderDiffText(report));
    process.stdout.write(`Wrote ${path.relative(projectDir, path.join(stackDir, "diff.md")) || "diff.md"}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof DiffFailure)) throw e;
    process.stderr.write(`${e.message}\n`);
    if (e.annotate) {
      mkdirSync(stackDir, { recursive: true });
      writeFileSync(path.join(stackDir, "diff.md"), failureMarkdown(args.stack, args.diff, e.message));
    }
    return e.code;
  } finally {
    if (pending) {
      pending.kill();
      await pending.done;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`synth failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(3);
    },
  );
}
