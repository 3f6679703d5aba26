/**
 * Conformance helpers for rendered pipelines, backed by real parts:
 *
 * - Buildkite's JSON schema (draft-07, `../shared/buildkite/pipeline-schema.json` beside the repo,
 *   or `BUILDKITE_PIPELINE_SCHEMA`), plus the rules the schema cannot express;
 * - the real depot CLI (fetched by `scripts/fetch-depot-cli.ts` into `.cache/depot-cli/`, or
 *   `DEPOT_BINARY_PATH`) parsing every flag;
 * - shellcheck on every command, as the agent receives it;
 * - bash itself running every step command with a fake `depot` / `curl`, to capture the argv depot
 *   would really receive.
 *
 * When a tool is missing, each locator throws if `CI` is set, and otherwise returns `undefined`
 * after printing a visible warning; callers then skip (`it.skipIf(!tools.schema)`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { toAgentShell } from "../../components/pipeline/interpolation";
import { runProcess as run } from "./process";
import { DEPOT_CLI_PATH } from "../../scripts/fetch-depot-cli";

/** Root of the repository (this file is test/helpers/conformance.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const warned = new Set<string>();
function missing(what: string, detail: string): undefined {
  const message = `${what} not found (${detail})`;
  if (process.env.CI) throw new Error(`conformance: ${message}; CI must provide it`);
  if (!warned.has(what)) {
    warned.add(what);
    console.warn(`\n*** SKIPPING ${what} conformance checks: ${message}. They are mandatory in CI. ***\n`);
  }
  return undefined;
}

/** Path of Buildkite's pipeline schema, or `undefined` (throws in CI) when absent. Never copied into the repo. */
export function schemaPath(): string | undefined {
  const p = process.env.BUILDKITE_PIPELINE_SCHEMA ?? path.resolve(REPO_ROOT, "..", "shared", "buildkite", "pipeline-schema.json");
  return fs.existsSync(p) ? p : missing("Buildkite pipeline schema", `looked at ${p}; set BUILDKITE_PIPELINE_SCHEMA`);
}

/** Path of the real depot CLI binary, or `undefined` (throws in CI). */
export function depotBinary(): string | undefined {
  const p = process.env.DEPOT_BINARY_PATH ?? DEPOT_CLI_PATH;
  return fs.existsSync(p) ? p : missing("depot CLI", `looked at ${p}; run \`npm run depot-cli\` or set DEPOT_BINARY_PATH`);
}

/** Path of shellcheck on PATH, or `undefined` (throws in CI). */
export function shellcheckBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, "shellcheck");
    if (dir !== "" && fs.existsSync(p)) return p;
  }
  return missing("shellcheck", "not on PATH; apt-get install -y shellcheck");
}

/** Which real tools are available (each warns once or throws in CI when absent). */
export function conformanceTools(): { schema?: string; depot?: string; shellcheck?: string } {
  return { schema: schemaPath(), depot: depotBinary(), shellcheck: shellcheckBinary() };
}

// ---------------------------------------------------------------------------------------------
// Schema

let validator: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const p = schemaPath();
  if (!p) throw new Error("Buildkite pipeline schema is not available; skip schema checks with it.skipIf(!schemaPath())");
  const schema: unknown = JSON.parse(fs.readFileSync(p, "utf8"));
  // The schema declares draft-07, Ajv's default. `regex` is a format used by input fields only.
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { regex: true } });
  validator = ajv.compile(schema as object);
  return validator;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validate a pipeline YAML against Buildkite's schema, plus what the schema cannot check:
 * no nested groups, never both `if` and `branches`, `concurrency` with `concurrency_group`,
 * unique step keys, `depends_on` naming existing keys, and (for stored steps) no `if_changed`.
 * Returns one message per problem; empty means valid.
 */
export function validatePipelineYaml(yaml: string, opts: { stored?: boolean } = {}): string[] {
  let doc: unknown;
  try {
    doc = parse(yaml, { version: "1.1" });
  } catch (e) {
    return [`YAML does not parse: ${(e as Error).message}`];
  }
  const validate = schemaValidator();
  const problems: string[] = [];
  if (!validate(doc)) {
    for (const err of validate.errors ?? []) problems.push(`schema: ${err.instancePath || "/"} ${err.message ?? ""}`.trim());
  }
  if (!isObj(doc) || !Array.isArray(doc.steps)) return [...problems, "document has no steps list"];
  const keys: string[] = [];
  const deps: [string, string][] = [];
  const visit = (step: unknown, where: string, inGroup: boolean): void => {
    if (!isObj(step)) return;
    const key = typeof step.key === "string" ? step.key : undefined;
    if (key !== undefined) keys.push(key);
    const label = key ?? where;
    if ("if" in step && "branches" in step) problems.push(`${label}: has both "if" and "branches" (Buildkite rejects this)`);
    if (("concurrency" in step) !== ("concurrency_group" in step)) problems.push(`${label}: "concurrency" and "concurrency_group" need each other`);
    if ((opts.stored ?? true) && "if_changed" in step) problems.push(`${label}: "if_changed" only works through pipeline upload, not in stored steps`);
    const dependsOn = step.depends_on;
    const depList = typeof dependsOn === "string" ? [dependsOn] : Array.isArray(dependsOn) ? dependsOn : [];
    for (const d of depList) {
      const target = typeof d === "string" ? d : isObj(d) && typeof d.step === "string" ? d.step : undefined;
      if (target !== undefined) deps.push([label, target]);
    }
    if ("group" in step) {
      if (inGroup) problems.push(`${label}: a group inside a group (Buildkite rejects nested groups)`);
      if (Array.isArray(step.steps)) step.steps.forEach((s, i) => visit(s, `${where}.steps[${i}]`, true));
    }
  };
  doc.steps.forEach((s, i) => visit(s, `steps[${i}]`, false));
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) problems.push(`step key ${JSON.stringify(k)} is used twice`);
    seen.add(k);
  }
  for (const [from, to] of deps) if (!seen.has(to)) problems.push(`${from}: depends_on unknown step ${JSON.stringify(to)}`);
  return problems;
}

/** Command steps of a parsed pipeline (groups flattened). */
export function commandSteps(yaml: string): Obj[] {
  const doc: unknown = parse(yaml, { version: "1.1" });
  if (!isObj(doc) || !Array.isArray(doc.steps)) return [];
  const out: Obj[] = [];
  const visit = (s: unknown): void => {
    if (!isObj(s)) return;
    if (Array.isArray(s.steps)) s.steps.forEach(visit);
    else if (typeof s.command === "string" || Array.isArray(s.command) || Array.isArray(s.commands) || typeof s.commands === "string") out.push(s);
  };
  doc.steps.forEach(visit);
  return out;
}

/** A command step's script as one string (stored form). */
export function stepScript(step: Obj): string {
  const c = step.command ?? step.commands;
  return Array.isArray(c) ? c.map(String).join("\n") : String(c);
}

// ---------------------------------------------------------------------------------------------
// Interpolation

/**
 * Every `$` in stored text that is not written `$$`: Buildkite would expand (or mangle) it when
 * the build is created. `\$` is reported too: it is Buildkite's other escape, and the renderer never
 * writes it. Returns the offending fragments; empty means clean.
 */
export function unescapedRuntimeVars(stored: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < stored.length) {
    const two = stored.slice(i, i + 2);
    if (two === "\\\\" || two === "$$") {
      i += 2;
    } else if (two === "\\$") {
      found.push(stored.slice(i, i + 2 + (/^[A-Za-z_{(]/.test(stored.slice(i + 2)) ? 1 : 0)));
      i += 2;
    } else if (stored[i] === "$") {
      const rest = stored.slice(i);
      const m = /^\$(\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*|\(|)/.exec(rest);
      found.push(m ? m[0] : "$");
      i += Math.max(1, m ? m[0].length : 1);
    } else {
      i += 1;
    }
  }
  return found;
}

/** {@link unescapedRuntimeVars} over every string value of a YAML document, with paths. */
export function unescapedRuntimeVarsInYaml(yaml: string): string[] {
  const doc: unknown = parse(yaml, { version: "1.1" });
  const found: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "string") for (const f of unescapedRuntimeVars(v)) found.push(`${at}: ${f}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes("$")) found.push(`${at}: key ${k}`);
        walk(x, at ? `${at}.${k}` : k);
      }
    }
  };
  walk(doc, "");
  return found;
}

// ---------------------------------------------------------------------------------------------
// shellcheck

/** shellcheck (bash, gcc format) on the script the agent runs (`toAgentShell` of the stored text). */
export async function shellcheck(script: string): Promise<string[]> {
  const bin = shellcheckBinary();
  if (!bin) throw new Error("shellcheck is not available; skip with it.skipIf(!shellcheckBinary())");
  const r = await run(bin, ["--norc", "-s", "bash", "-f", "gcc", "-"], { input: toAgentShell(script) });
  if (r.code !== 0 && r.stdout.trim() === "") throw new Error(`shellcheck failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

// ---------------------------------------------------------------------------------------------
// Runtime samples

/** Sample job environment used to run rendered steps and to substitute runtime variables. */
export const SAMPLE_ENV: Readonly<Record<string, string>> = {
  BUILDKITE: "true",
  BUILDKITE_AGENT_NAME: "agent-1",
  BUILDKITE_BRANCH: "feature/Add thing_2",
  BUILDKITE_BUILD_NUMBER: "42",
  BUILDKITE_COMMIT: "0123456789abcdef0123456789abcdef01234567",
  BUILDKITE_JOB_ID: "0190e8f0-0000-0000-0000-000000000000",
  BUILDKITE_PIPELINE_SLUG: "web-app",
  BUILDKITE_TAG: "v1.2.3",
  DEPOT_BK_BRANCH_TAG: "feature-Add-thing_2",
  // What the step computes from a full-SHA BUILDKITE_COMMIT (itself).
  DEPOT_BK_COMMIT: "0123456789abcdef0123456789abcdef01234567",
  DEPOT_TOKEN: "sample-depot-token",
};

/**
 * Replace stored runtime references (`$${NAME}`, `$${NAME:offset:length}`) to variables present in
 * `env` with their values, then `$$` -> `$`. Unknown names stay literal (a stored `$${X}` may be a
 * literal `${X}` in a user value). Bare `$$NAME` is never a reference: the renderer always braces.
 */
export function substituteSamples(stored: string, env: Readonly<Record<string, string>> = SAMPLE_ENV): string {
  const withVars = stored.replace(
    /\$\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([0-9]+):([0-9]+))?\}/g,
    (m: string, name: string, off: string | undefined, len: string | undefined) => {
      const value = env[name];
      if (value === undefined) return m;
      return off === undefined ? value : value.slice(Number(off), Number(off) + Number(len));
    },
  );
  return withVars.replace(/\$\$/g, "$");
}

// ---------------------------------------------------------------------------------------------
// depot CLI

interface FlagSpec {
  long: string;
  short?: string;
  takesValue: boolean;
}

let flagTable: Promise<FlagSpec[]> | undefined;

/** The flags of `depot build`, parsed from the real binary's `--help`. */
export function depotBuildFlags(): Promise<FlagSpec[]> {
  if (!flagTable) {
    flagTable = (async () => {
      const bin = depotBinary();
      if (!bin) throw new Error("depot CLI is not available; skip with it.skipIf(!depotBinary())");
      const r = await run(bin, ["build", "--help"], { env: sandboxEnv() });
      if (r.code !== 0) throw new Error(`depot build --help failed: ${r.stderr}`);
      const specs: FlagSpec[] = [];
      for (const line of r.stdout.split("\n")) {
        const m = /^\s+(?:-([A-Za-z]), )?--([a-z0-9-]+)(?: ([A-Za-z]+))?(?:\s{2,}|$)/.exec(line);
        if (m) specs.push({ short: m[1], long: m[2], takesValue: m[3] !== undefined });
      }
      if (specs.length < 20) throw new Error(`could not parse depot build --help:\n${r.stdout}`);
      return specs;
    })();
  }
  return flagTable;
}

let sandbox: string | undefined;
/** An environment in which the depot CLI cannot authenticate or reach Depot, whatever it does. */
function sandboxEnv(): NodeJS.ProcessEnv {
  if (sandbox === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depot-cli-check-"));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    sandbox = dir;
  }
  return {
    PATH: process.env.PATH,
    HOME: sandbox,
    XDG_CONFIG_HOME: sandbox,
    DEPOT_API_URL: "http://127.0.0.1:9",
    DEPOT_NO_UPDATE_NOTIFIER: "1",
    DEPOT_DISABLE_OTEL: "1",
    DEPOT_ERROR_TELEMETRY: "0",
  };
}

/**
 * Check an argv for `depot build` whose runtime values are already expanded (e.g. captured from a
 * real run). Returns an error message, or `undefined` when the CLI accepts it.
 *
 * How: the real binary parses `depot build --help <argv>`. cobra/pflag parse every flag before
 * acting on `--help`, so an unknown flag, a missing value or a malformed typed value
 * (`--no-cache=maybe`, `--shm-size abc`) exits 1, while valid flags just print help; no build is
 * started. `--help` goes first so no flag can swallow it as its value and a `--` cannot hide it.
 * The CLI does not check positional arguments with `--help`, so this also checks, from the flag
 * table parsed out of the binary's own help, that exactly one positional (the context) comes last,
 * and that `--token` is never used.
 */
export async function checkExpandedDepotArgs(argv: string[]): Promise<string | undefined> {
  const bin = depotBinary();
  if (!bin) throw new Error("depot CLI is not available; skip with it.skipIf(!depotBinary())");
  if (argv[0] === "build") return 'argv must not start with "build" (it is added by the check)';
  const r = await run(bin, ["build", "--help", ...argv], { env: sandboxEnv() });
  if (r.code !== 0) return (r.stderr.trim() || r.stdout.trim() || `exit ${String(r.code)}`).split("\n")[0];
  if (!/Usage:\s+depot build/.test(r.stdout)) return `depot did not print build help:\n${r.stdout.slice(0, 300)}`;
  const flags = await depotBuildFlags();
  const positionals: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      for (let j = i + 1; j < argv.length; j++) positionals.push(j);
      break;
    }
    let spec: FlagSpec | undefined;
    let inline = false;
    if (a.startsWith("--")) {
      const name = a.slice(2).split("=")[0];
      spec = flags.find((f) => f.long === name);
      inline = a.includes("=");
    } else if (a.startsWith("-") && a.length > 1) {
      spec = flags.find((f) => f.short === a[1]);
      inline = a.length > 2;
    } else {
      positionals.push(i);
      continue;
    }
    if (!spec) return `unknown flag ${a}`;
    if (spec.long === "token") return "--token puts a secret on the command line; use OIDC or DEPOT_TOKEN";
    if (spec.takesValue && !inline) i += 1;
  }
  if (positionals.length !== 1) return `expected exactly one positional argument (the context), got ${positionals.length}: ${positionals.map((i) => argv[i]).join(" ")}`;
  if (positionals[0] !== argv.length - 1) return `the context must be the last argument (found ${argv[positionals[0]]} at ${positionals[0]})`;
  return undefined;
}

/**
 * Check a stored-form argv (as returned by `depotBuildArgs`): runtime references are replaced by
 * {@link SAMPLE_ENV} values and `$$` by `$`, then {@link checkExpandedDepotArgs}.
 */
export function checkDepotArgs(argv: string[]): Promise<string | undefined> {
  return checkExpandedDepotArgs(argv.map((a) => substituteSamples(a)));
}

// ---------------------------------------------------------------------------------------------
// Running a step command with bash and a fake depot

const FAKE_DEPOT = `#!/bin/bash
set -eu
if [[ "\${1:-}" == "--version" ]]; then echo "depot version @VERSION@ (2026-01-01)"; echo "https://github.com/depot/cli/releases/tag/v@VERSION@"; exit 0; fi
out="\${FAKE_DEPOT_OUT:?}"
n="$(find "$out" -name 'call-*.args' | wc -l)"
printf '%s\\0' "$@" > "$out/call-$n.args"
printf '%s' "$0" > "$out/call-$n.bin"
env -0 > "$out/call-$n.env"
`;

const FAKE_CURL = `#!/bin/bash
set -eu
printf '%s\\n' "$*" >> "\${FAKE_DEPOT_OUT:?}/curl.log"
cat <<'INSTALLER'
set -eu
version="$1"
mkdir -p "$DEPOT_INSTALL_DIR"
sed "s/@VERSION@/$version/g" "$FAKE_DEPOT_TEMPLATE" > "$DEPOT_INSTALL_DIR/depot"
chmod +x "$DEPOT_INSTALL_DIR/depot"
printf '%s %s\\n' "$version" "$DEPOT_INSTALL_DIR" >> "$FAKE_DEPOT_OUT/installs.log"
INSTALLER
`;

export interface DepotCall {
  /** argv after `depot` (starts with `build`). */
  argv: string[];
  /** Path of the `depot` binary that ran. */
  binary: string;
  /** The process environment depot saw. */
  env: Record<string, string>;
}

export interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
  calls: DepotCall[];
  /** Installer runs: version and DEPOT_INSTALL_DIR. */
  installs: { version: string; dir: string }[];
  /** Arguments of each `curl` call. */
  curl: string[];
  /** The fake HOME used for the run. */
  home: string;
  /** With `gitCheckout`: the SHA of the checkout's HEAD. */
  headSha?: string;
}

export interface StepRunOptions {
  /** Extra or overriding job environment. `null` removes a variable. */
  env?: Record<string, string | null>;
  /** Version the `depot` already on PATH reports; `null`: no depot on PATH. @default "2.102.12" */
  depotOnPath?: string | null;
  /** Write a `depot login` token into `$HOME/.config/depot/depot.yaml`. */
  storedDepotLogin?: boolean;
  /** Run in a git checkout with one commit (its SHA is `StepRun.headSha`), as the agent does. */
  gitCheckout?: boolean;
}

/**
 * Run a step's command with bash, the way the agent would after Buildkite's interpolation: the
 * step `env` (unescaped), fake values for its `secrets`, {@link SAMPLE_ENV}, a fake HOME, and fake
 * `depot` and `curl` binaries that record what they receive (nothing leaves the machine).
 */
export async function runStepCommand(step: Obj, opts: StepRunOptions = {}): Promise<StepRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "depot-bk-step-"));
  const home = path.join(tmp, "home");
  const bin = path.join(tmp, "bin");
  const out = path.join(tmp, "out");
  for (const d of [home, bin, out]) fs.mkdirSync(d, { recursive: true });
  const template = path.join(tmp, "depot.template");
  fs.writeFileSync(template, FAKE_DEPOT);
  const onPath = opts.depotOnPath === undefined ? "2.102.12" : opts.depotOnPath;
  if (onPath !== null) fs.writeFileSync(path.join(bin, "depot"), FAKE_DEPOT.replace(/@VERSION@/g, onPath), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "curl"), FAKE_CURL, { mode: 0o755 });
  if (opts.storedDepotLogin) {
    fs.mkdirSync(path.join(home, ".config", "depot"), { recursive: true });
    fs.writeFileSync(path.join(home, ".config", "depot", "depot.yaml"), "api_token: stored-login-canary\n");
  }
  const env: Record<string, string> = {
    PATH: `${bin}${path.delimiter}/usr/local/bin${path.delimiter}/usr/bin${path.delimiter}/bin`,
    HOME: home,
    FAKE_DEPOT_OUT: out,
    FAKE_DEPOT_TEMPLATE: template,
    ...SAMPLE_ENV,
  };
  delete env.DEPOT_BK_BRANCH_TAG;
  delete env.DEPOT_BK_COMMIT;
  if (isObj(step.secrets)) for (const name of Object.keys(step.secrets)) env[name] = `secret-value-of-${name}`;
  if (isObj(step.env)) for (const [k, v] of Object.entries(step.env)) env[k] = toAgentShell(String(v));
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  let headSha: string | undefined;
  if (opts.gitCheckout) {
    const git = async (...args: string[]) => {
      const g = await run("git", ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid", ...args], { env: { PATH: env.PATH, HOME: home }, cwd: tmp });
      if (g.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${g.stderr}`);
      return g.stdout.trim();
    };
    await git("init", "-q");
    await git("commit", "-q", "--allow-empty", "-m", "build me");
    headSha = await git("rev-parse", "HEAD");
  }
  const r = await run("bash", ["-c", toAgentShell(stepScript(step))], { env, cwd: tmp });
  const calls: DepotCall[] = [];
  for (let n = 0; fs.existsSync(path.join(out, `call-${n}.args`)); n++) {
    const argv = fs.readFileSync(path.join(out, `call-${n}.args`), "utf8").split("\0");
    argv.pop();
    const callEnv: Record<string, string> = {};
    for (const kv of fs.readFileSync(path.join(out, `call-${n}.env`), "utf8").split("\0")) {
      const eq = kv.indexOf("=");
      if (eq > 0) callEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    calls.push({ argv, binary: fs.readFileSync(path.join(out, `call-${n}.bin`), "utf8"), env: callEnv });
  }
  const lines = (f: string): string[] =>
    fs.existsSync(path.join(out, f)) ? fs.readFileSync(path.join(out, f), "utf8").split("\n").filter((l) => l !== "") : [];
  const installs = lines("installs.log").map((l) => {
    const [version, ...dir] = l.split(" ");
    return { version, dir: dir.join(" ") };
  });
  const result: StepRun = { code: r.code, stdout: r.stdout, stderr: r.stderr, calls, installs, curl: lines("curl.log"), home, headSha };
  fs.rmSync(tmp, { recursive: true, force: true });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Everything at once

/**
 * Every conformance check on a rendered pipeline YAML: schema and structure, no unescaped `$`, no
 * token in any `env`, then per command step: shellcheck clean, runs under bash with a fake depot
 * (exit 0, exactly one `depot build`), and the real depot CLI accepts the captured argv.
 * Returns problems (empty = conforming). Requires all tools (see {@link conformanceTools}).
 */
export async function pipelineConformance(yaml: string, opts: { stored?: boolean; run?: StepRunOptions } = {}): Promise<string[]> {
  const problems = validatePipelineYaml(yaml, opts);
  if (problems.some((p) => p.startsWith("YAML does not parse"))) return problems;
  problems.push(...unescapedRuntimeVarsInYaml(yaml).map((f) => `unescaped interpolation at ${f}`));
  for (const step of commandSteps(yaml)) {
    const key = typeof step.key === "string" ? step.key : typeof step.label === "string" ? step.label : "?";
    if (isObj(step.env) && ("DEPOT_TOKEN" in step.env || "DEPOT_API_TOKEN" in step.env)) problems.push(`${key}: env sets a Depot token`);
    for (const finding of await shellcheck(stepScript(step))) problems.push(`${key}: shellcheck: ${finding}`);
    const r = await runStepCommand(step, opts.run);
    if (r.code !== 0) problems.push(`${key}: command exited ${String(r.code)}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const builds = r.calls.filter((c) => c.argv[0] === "build");
    if (builds.length !== 1) problems.push(`${key}: expected one depot build, got ${builds.length}`);
    for (const b of builds) {
      const err = await checkExpandedDepotArgs(b.argv.slice(1));
      if (err) problems.push(`${key}: depot rejects its argv: ${err}`);
    }
  }
  return problems;
}
