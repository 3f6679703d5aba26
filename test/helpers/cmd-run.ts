/**
 * Start a Pulumi program the way `pulumi up` / `pulumi preview` does, without the Pulumi CLI:
 * read `Pulumi.yaml`, translate it as the nodejs language host does, and spawn
 * `node node_modules/@pulumi/pulumi/cmd/run ... ENTRY` against `local-monitor.ts`.
 *
 * The language host's translation (pulumi-language-nodejs `Run` / `constructArguments`, and the
 * CLI's `getPwdMain`):
 * - `main: dir/file.ts` -> `--pwd=<project>/dir` and entry `file.ts` (the program runs with cwd
 *   `dir/`); `main: dir` -> `--pwd=<project>/dir` and entry `.`; no `main` -> project dir and `.`;
 * - `runtime.options.typescript` (default true) -> `PULUMI_NODEJS_TYPESCRIPT=true`;
 * - `runtime.options.tsconfig` -> `PULUMI_NODEJS_TSCONFIG_PATH` (verbatim: relative to `--pwd`);
 * - `runtime.options.nodeargs` -> node arguments before the run script;
 * - config -> `PULUMI_CONFIG` (JSON, keys `ns:config:key`), `PULUMI_CONFIG_SECRET_KEYS` (JSON array,
 *   keys `ns:key`); flags `--monitor --engine --organization --project --stack --pwd [--dry-run]
 *   --query-mode=false --parallel=N --root-directory=<project>`.
 * Like the CLI it also applies `Pulumi.yaml` config defaults and refuses to start when a declared
 * key without default is missing or a `secret: true` key is not secret.
 *
 * `NODE_OPTIONS=--require scripts/inspect-no-colors.cjs` makes failures return in about 2 s on
 * Node 20 instead of 30-50 s (see that file).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  startLocalMonitor,
  type DecodedValues,
  type InvokeRecord,
  type JsonObject,
  type LocalMonitorOptions,
  type LogRecord,
  type OutputsRecord,
  type ReadRecord,
  type Registration,
} from "./local-monitor";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const CMD_RUN = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run");
export const PRELOAD = path.join(REPO_ROOT, "scripts", "inspect-no-colors.cjs");

export type MonitorCallbacks = Pick<LocalMonitorOptions, "onRegister" | "onInvoke" | "onRead" | "features" | "awsRegion">;

export interface CmdRunOptions {
  /** Directory holding `Pulumi.yaml`. */
  projectDir: string;
  stack: string;
  /** Config values. Keys `ns:key`, or bare `key` for the project's namespace. Values as the CLI passes them: strings (objects as JSON). */
  config?: Record<string, string>;
  /** Keys (same forms as `config`) whose values are secret. */
  secretKeys?: string[];
  /** Run as a preview (`--dry-run`). Default false (an update). */
  dryRun?: boolean;
  /** `PULUMI_NODEJS_TRANSPILE_ONLY=true`: skip type-checking. Default: unset (ts-node type-checks unless tsconfig says `noCheck`). */
  transpileOnly?: boolean;
  /** Kill the program after this long. Default 120 s. */
  timeoutMs?: number;
  organization?: string;
  /** `--parallel`. Default 16 (what the CLI passes when `-p` is not given). */
  parallel?: number;
  /** Extra environment for the program (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Load `scripts/inspect-no-colors.cjs` through NODE_OPTIONS. Default true. */
  preload?: boolean;
  /** Apply Pulumi.yaml `config:` defaults and checks like the CLI. Default true. */
  projectConfig?: boolean;
  /** Callbacks and feature answers for the local monitor. */
  monitor?: MonitorCallbacks;
}

export interface CmdRunResult {
  /** Exit code of the program (0 ok; 32 = error already logged; null if killed). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  registrations: Registration[];
  logs: LogRecord[];
  /** Decoded stack outputs, secrets unwrapped (`{}` if the program never registered them). */
  stackOutputs: JsonObject;
  /** Paths of secret stack outputs (e.g. `token`, `nested.token`). */
  stackOutputSecretPaths: string[];
  /** Full decoding (unknown paths, resource references), if registered. */
  stackOutputsDecoded?: DecodedValues;
  invokes: InvokeRecord[];
  reads: ReadRecord[];
  outputs: OutputsRecord[];
  /** The program called SignalAndWaitForShutdown: it ran to completion without uncaught errors. */
  shutdownSignaled: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** What was run (argv after `node`, cwd, and the PULUMI_* / NODE_OPTIONS environment). */
  command: { args: string[]; env: Record<string, string> };
  /** Convenience: the messages of error-severity log lines. */
  errors: string[];
}

// ---------------------------------------------------------------------------------------------
// Pulumi.yaml translation
// ---------------------------------------------------------------------------------------------

export interface ProjectConfigDecl {
  type?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface ProjectInfo {
  name: string;
  projectDir: string;
  runtime: string;
  typescript: boolean;
  tsconfig?: string;
  nodeargs: string[];
  /** `--pwd`: the directory the program runs in. */
  pwd: string;
  /** The entry passed to cmd/run, relative to `pwd` ("." = package.json main / index). */
  entry: string;
  /** Declared config, keys fully qualified (`ns:key`). */
  config: Record<string, ProjectConfigDecl>;
}

type YamlMap = Record<string, unknown>;

function isMap(v: unknown): v is YamlMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Split a nodeargs string like a POSIX shell would (quotes and backslashes). */
export function shellSplit(input: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < input.length && '"\\$`'.includes(input.charAt(i + 1))) cur += input.charAt(++i);
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < input.length) {
      cur += input.charAt(++i);
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== "") out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote) throw new Error(`nodeargs: unterminated ${quote} quote in ${JSON.stringify(input)}`);
  if (has || cur !== "") out.push(cur);
  return out;
}

function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Read `projectDir/Pulumi.yaml` and translate it the way the CLI + nodejs language host do. */
export function readProject(projectDir: string): ProjectInfo {
  const dir = path.resolve(projectDir);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no Pulumi.yaml in ${dir}`);
  const doc: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  if (!isMap(doc) || typeof doc.name !== "string" || doc.name === "") throw new Error(`${file}: 'name' is required`);
  const name = doc.name;

  let runtime: string;
  let options: YamlMap = {};
  if (typeof doc.runtime === "string") runtime = doc.runtime;
  else if (isMap(doc.runtime) && typeof doc.runtime.name === "string") {
    runtime = doc.runtime.name;
    if (isMap(doc.runtime.options)) options = doc.runtime.options;
  } else throw new Error(`${file}: 'runtime' is required`);
  if (runtime !== "nodejs") throw new Error(`${file}: runtime '${runtime}' is not supported by this harness (nodejs only)`);

  const typescript = options.typescript === undefined ? true : options.typescript === true || options.typescript === "true";
  const tsconfig = typeof options.tsconfig === "string" && options.tsconfig !== "" ? options.tsconfig : undefined;
  const nodeargs = typeof options.nodeargs === "string" ? shellSplit(options.nodeargs) : [];

  // getPwdMain (pkg/engine): main must be relative and inside the project; a file main runs with
  // cwd = its directory and entry = its base name; a directory main runs in it with entry ".".
  let pwd = dir;
  let entry = ".";
  if (typeof doc.main === "string" && doc.main !== "") {
    if (path.isAbsolute(doc.main)) throw new Error(`${file}: project 'main' must be a relative path`);
    const main = path.resolve(dir, doc.main);
    if (main !== dir && !main.startsWith(dir + path.sep)) throw new Error(`${file}: project 'main' must be a subfolder`);
    if (!fs.existsSync(main)) throw new Error(`${file}: project 'main' could not be read: ${main} does not exist`);
    if (fs.statSync(main).isDirectory()) pwd = main;
    else {
      pwd = path.dirname(main);
      entry = path.basename(main);
    }
  }

  const config: Record<string, ProjectConfigDecl> = {};
  if (isMap(doc.config)) {
    for (const [k, raw] of Object.entries(doc.config)) {
      const decl: ProjectConfigDecl = isMap(raw) ? { ...raw } : { value: raw };
      config[qualify(name, k)] = decl;
    }
  }
  return { name, projectDir: dir, runtime, typescript, ...(tsconfig ? { tsconfig } : {}), nodeargs, pwd, entry, config };
}

function configValueToString(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** The CLI's check of a stack value against a `Pulumi.yaml` declared type (string, integer, boolean, array). */
function matchesDeclaredType(type: string, value: string): boolean {
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(value);
    case "boolean":
      return value === "true" || value === "false";
    case "array":
      try {
        return Array.isArray(JSON.parse(value));
      } catch {
        return false;
      }
    default:
      return true;
  }
}

/**
 * Config as the language host passes it: values from the caller over Pulumi.yaml defaults; plus
 * the checks the CLI makes before it starts the program (a declared key without default must be
 * set, a `secret: true` key must be secret, a typed key must parse as its type).
 */
export function resolveConfig(
  project: ProjectInfo,
  config: Record<string, string>,
  secretKeys: string[],
  stack: string,
  applyProjectConfig: boolean,
): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) values[qualify(project.name, k)] = v;
  const secrets = [...new Set(secretKeys.map((k) => qualify(project.name, k)))];
  if (applyProjectConfig) {
    const missing: string[] = [];
    const notSecret: string[] = [];
    const badType: string[] = [];
    for (const [key, decl] of Object.entries(project.config)) {
      const given = values[key];
      if (given === undefined) {
        const fallback = decl.value !== undefined ? decl.value : decl.default;
        if (fallback !== undefined) values[key] = configValueToString(fallback);
        else if (decl.type !== undefined || decl.secret === true) missing.push(key);
        continue;
      }
      if (decl.secret === true && !secrets.includes(key)) notSecret.push(key);
      if (decl.type !== undefined && !matchesDeclaredType(decl.type, given)) badType.push(`${key} must be of type '${decl.type}'`);
    }
    if (missing.length > 0) throw new Error(`Stack '${stack}' is missing configuration value(s): ${missing.join(", ")}`);
    if (notSecret.length > 0) throw new Error(`Stack '${stack}': configuration key(s) ${notSecret.join(", ")} must be encrypted as they are declared secret`);
    if (badType.length > 0) throw new Error(`Stack '${stack}': configuration key ${badType.join("; ")}`);
  }
  return { values, secretKeys: secrets };
}

// ---------------------------------------------------------------------------------------------
// Stack config file
// ---------------------------------------------------------------------------------------------

export interface StackConfig {
  config: Record<string, string>;
  secretKeys: string[];
  /** `key` or `key.path` of every `secure:` value that was replaced by a placeholder (no plaintext supplied). */
  placeholders: string[];
}

/**
 * Read `Pulumi.<stack>.yaml` into the `config` / `secretKeys` that `runViaCmdRun` takes. Secure
 * values cannot be decrypted here: pass their plaintext in `secureValues` (by key, or key.path for
 * nested ones), otherwise they become the placeholder `"<secure:KEY>"` and are listed in
 * `placeholders`. Objects and arrays become JSON strings, as the CLI passes them.
 */
export function readStackConfig(
  projectDir: string,
  stack: string,
  secureValues: Record<string, string> | ((key: string) => string | undefined) = {},
): StackConfig {
  const project = readProject(projectDir);
  const file = path.join(project.projectDir, `Pulumi.${stack}.yaml`);
  const doc: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  if (!isMap(doc)) return { config: {}, secretKeys: [], placeholders: [] };
  if (doc.environment !== undefined) throw new Error(`${file}: ESC 'environment' imports cannot be resolved offline`);
  const lookup = (key: string): string | undefined => (typeof secureValues === "function" ? secureValues(key) : secureValues[key]);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const placeholders: string[] = [];
  if (!isMap(doc.config)) return { config, secretKeys, placeholders };
  for (const [rawKey, rawValue] of Object.entries(doc.config)) {
    const key = qualify(project.name, rawKey);
    let isSecret = false;
    const resolve = (v: unknown, p: string): unknown => {
      if (isMap(v) && Object.keys(v).length === 1 && typeof v.secure === "string") {
        isSecret = true;
        const plain = lookup(p) ?? (p !== key ? undefined : lookup(rawKey));
        if (plain !== undefined) return plain;
        placeholders.push(p);
        return `<secure:${p}>`;
      }
      if (Array.isArray(v)) return v.map((e, i) => resolve(e, `${p}[${i}]`));
      if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, resolve(e, `${p}.${k}`)]));
      return v;
    };
    config[key] = configValueToString(resolve(rawValue, key));
    if (isSecret) secretKeys.push(key);
  }
  return { config, secretKeys, placeholders };
}

// ---------------------------------------------------------------------------------------------
// Temporary copies (for variants that must not live in the repo, e.g. a type error)
// ---------------------------------------------------------------------------------------------

export interface TempProject {
  dir: string;
  cleanup(): void;
}

/**
 * Copy a project into a fresh directory under os.tmpdir(), apply `overrides` (relative path ->
 * content), and symlink the repo's node_modules next to it so `@pulumi/pulumi`, `typescript` and
 * `ts-node` resolve as they do in the repo.
 */
export function makeTempProject(projectDir: string, overrides: Record<string, string> = {}): TempProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmdrun-"));
  fs.cpSync(path.resolve(projectDir), dir, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const [rel, content] of Object.entries(overrides)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    // What the CLI would not pass: our own test runner's knobs and stale Pulumi settings.
    if (k === "NODE_OPTIONS" || k.startsWith("PULUMI_") || k.startsWith("VITEST") || k === "NODE_ENV" || k === "TS_NODE_PROJECT") continue;
    env[k] = v;
  }
  return env;
}

/** Run a Pulumi program through `@pulumi/pulumi/cmd/run` against a fresh local monitor. */
export async function runViaCmdRun(opts: CmdRunOptions): Promise<CmdRunResult> {
  const project = readProject(opts.projectDir);
  const resolved = resolveConfig(project, opts.config ?? {}, opts.secretKeys ?? [], opts.stack, opts.projectConfig !== false);
  const organization = opts.organization ?? "organization";
  const dryRun = opts.dryRun === true;

  const monitor = await startLocalMonitor({
    ...(opts.monitor ?? {}),
    project: project.name,
    stack: opts.stack,
    organization,
    dryRun,
    ...(opts.monitor?.awsRegion === undefined && resolved.values["aws:region"] !== undefined
      ? { awsRegion: resolved.values["aws:region"] }
      : {}),
  });

  // The language host passes config keys in the old `ns:config:key` form; the SDK accepts both.
  const pulumiConfig: Record<string, string> = {};
  for (const [k, v] of Object.entries(resolved.values)) {
    const i = k.indexOf(":");
    pulumiConfig[`${k.slice(0, i)}:config:${k.slice(i + 1)}`] = v;
  }

  const programEnv: Record<string, string> = {
    PULUMI_CONFIG: JSON.stringify(pulumiConfig),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(resolved.secretKeys),
  };
  if (project.typescript) programEnv.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (project.tsconfig) programEnv.PULUMI_NODEJS_TSCONFIG_PATH = project.tsconfig;
  if (opts.transpileOnly !== undefined) programEnv.PULUMI_NODEJS_TRANSPILE_ONLY = String(opts.transpileOnly);
  if (opts.preload !== false) programEnv.NODE_OPTIONS = `--require ${JSON.stringify(PRELOAD)}`;

  const env: Record<string, string> = { ...baseEnv(), ...programEnv };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }

  const args = [
    ...project.nodeargs,
    CMD_RUN,
    `--monitor=${monitor.address}`,
    `--engine=${monitor.address}`,
    `--organization=${organization}`,
    `--project=${project.name}`,
    `--stack=${opts.stack}`,
    `--pwd=${project.pwd}`,
    ...(dryRun ? ["--dry-run"] : []),
    "--query-mode=false",
    `--parallel=${opts.parallel ?? 16}`,
    `--root-directory=${project.projectDir}`,
    project.entry,
  ];

  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: project.pwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));

  let timedOut = false;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);

  const { exitCode, signal } = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, sig) => resolve({ exitCode: code, signal: sig }));
  }).finally(() => clearTimeout(timer));
  const durationMs = Date.now() - started;
  await monitor.close();

  const decoded = monitor.stackOutputsDecoded;
  return {
    exitCode,
    signal,
    timedOut,
    registrations: monitor.registrations,
    logs: monitor.logs,
    stackOutputs: monitor.stackOutputs,
    stackOutputSecretPaths: decoded?.secretPaths ?? [],
    ...(decoded ? { stackOutputsDecoded: decoded } : {}),
    invokes: monitor.invokes,
    reads: monitor.reads,
    outputs: monitor.outputs,
    shutdownSignaled: monitor.shutdownSignaled,
    stdout,
    stderr,
    durationMs,
    command: { args, env: programEnv },
    errors: monitor.logs.filter((l) => l.severity === "error").map((l) => l.message),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers for assertions
// ---------------------------------------------------------------------------------------------

/** The registration of `type` named `name`; throws with the names that do exist. */
export function findRegistration(registrations: Registration[], type: string, name: string): Registration {
  const r = registrations.find((x) => x.type === type && x.name === name);
  if (!r) {
    const names = registrations.filter((x) => x.type === type).map((x) => x.name);
    throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "(none)"}`);
  }
  return r;
}

/** A compact, order-independent view for comparing two runs (or a run with the mocks): `type::name <- parentType::parentName`. */
export function tree(registrations: Registration[]): string[] {
  return registrations
    .map((r) => `${r.type}::${r.name}${r.parent ? ` <- ${r.parent.type}::${r.parent.name}` : ""}`)
    .sort();
}

/** One line per log record, for failure messages. */
export function formatLogs(logs: LogRecord[]): string {
  return logs.map((l) => `[${l.severity}] ${l.message}`).join("\n");
}
