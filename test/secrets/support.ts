/**
 * Shared helpers for the agent secrets tests: running bash and shellcheck, a stub `aws` CLI, and
 * secret canary checks over mock registrations.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, existsSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSecretWire, Registration } from "../helpers/mocks";

export const SHELLCHECK = "shellcheck";

/** Absolute path of a command on the test process's PATH. */
export function resolveCommand(command: string): string {
  const r = spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const target = r.stdout.trim();
  if (r.status !== 0 || !target.startsWith("/")) throw new Error(`command not found: ${command}`);
  return target;
}

/** bash, resolved once so tests can run it with a PATH that lacks it. */
const BASH = resolveCommand("bash");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Run `shellcheck -s bash` on a script; returns its output (empty when clean) and status. */
export function shellcheck(text: string, exclude: string[] = []): { status: number | null; output: string } {
  const args = ["-s", "bash", ...(exclude.length ? ["-e", exclude.join(",")] : []), "-"];
  const r = spawnSync(SHELLCHECK, args, { input: text, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Parse `env -0` output. */
export function parseEnv0(raw: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of raw.toString("utf8").split("\0")) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/** Variables added or changed between two environments. */
export function envDiff(before: Map<string, string>, after: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of after) if (before.get(k) !== v) out[k] = v;
  return out;
}

export interface SourcedResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Variables the sourced script added or changed in the environment, even if it exited. */
  exported: Record<string, string>;
  /** Shell options (`$-`) after sourcing, when it returned. */
  flags?: string;
}

/**
 * Source `scriptPath` in a fresh `bash` (as the agent's hook wrapper does), then dump `env -0`
 * to files; stdout/stderr are the script's own output only.
 */
export function sourceInBash(
  scriptPath: string,
  env: Record<string, string>,
  opts: { xtrace?: boolean; evalLikeElasticStack?: boolean } = {},
): SourcedResult {
  const dir = tempDir("dbk-src");
  const before = join(dir, "before");
  const after = join(dir, "after");
  const flags = join(dir, "flags");
  const load = opts.evalLikeElasticStack
    ? // What the Elastic CI Stack's secrets hook does with each env file.
      'envscript="$(cat "$1")"; set -o allexport; eval "$envscript"; set +o allexport'
    : 'source "$1"';
  const script = [
    "set -euo pipefail",
    'env -0 > "$2"',
    // Dump the environment however the sourced script ends (an `exit` in it included), so a
    // failing script is also checked for half-exported state.
    `trap '{ set +x; } 2>/dev/null; env -0 > "$3"' EXIT`,
    opts.xtrace ? "set -x" : ":",
    load,
    'printf %s "$-" > "$4"',
  ].join("\n");
  const r = spawnSync(BASH, ["-c", script, "bash", scriptPath, before, after, flags], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    // stdin must not be a socket: bash treats that as a remote shell and reads ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "buffer",
  });
  if (r.error) throw r.error;
  if (!existsSync(after)) throw new Error(`bash did not dump its environment: ${r.stderr.toString("utf8")}`);
  return {
    status: r.status,
    stdout: r.stdout.toString("utf8"),
    stderr: r.stderr.toString("utf8"),
    exported: envDiff(parseEnv0(readFileSync(before)), parseEnv0(readFileSync(after))),
    flags: existsSync(flags) ? readFileSync(flags, "utf8") : undefined,
  };
}

export interface AwsStub {
  /** Directory to put first on PATH. */
  binDir: string;
  /** Env for the stub: where its data lives. */
  env: Record<string, string>;
  /** Secret ids requested so far, in order. */
  calls(): string[];
  /** Regions passed with --region, in order. */
  regions(): string[];
}

function idFile(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

const STUB = `#!/usr/bin/env bash
# Test stub of the AWS CLI: only "secretsmanager get-secret-value".
set -euo pipefail
if [[ "\${1:-}" != secretsmanager || "\${2:-}" != get-secret-value ]]; then
  echo "aws stub: unsupported command: $*" >&2
  exit 2
fi
shift 2
id="" query="" output=""
while (($# > 0)); do
  case "$1" in
    --secret-id) id="$2"; shift 2 ;;
    --query) query="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --region) printf '%s\\n' "$2" >> "$AWS_STUB_DIR/regions"; shift 2 ;;
    *) echo "aws stub: unexpected argument $1" >&2; exit 2 ;;
  esac
done
printf '%s\\n' "$id" >> "$AWS_STUB_DIR/calls"
if [[ "$query" != SecretString || "$output" != text ]]; then
  echo "aws stub: expected --query SecretString --output text" >&2
  exit 2
fi
if [[ -n "\${AWS_STUB_FAIL_ID:-}" && "$id" == "$AWS_STUB_FAIL_ID" ]]; then
  echo "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: not authorized" >&2
  exit 254
fi
file="$AWS_STUB_DIR/values/$(printf '%s' "$id" | sha256sum | cut -c1-64)"
if [[ ! -f "$file" ]]; then
  echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation" >&2
  exit 254
fi
# Like the real CLI: the string, then one newline.
cat "$file"
printf '\\n'
`;

/** Write a stub `aws` that serves `values` (secret id -> value) and can fail for one id. */
export function awsStub(values: Record<string, string>, failId?: string): AwsStub {
  const root = tempDir("dbk-aws");
  const binDir = join(root, "bin");
  mkdirSync(binDir);
  mkdirSync(join(root, "values"));
  writeFileSync(join(binDir, "aws"), STUB);
  chmodSync(join(binDir, "aws"), 0o755);
  for (const [id, value] of Object.entries(values)) writeFileSync(join(root, "values", idFile(id)), value);
  const read = (f: string) => (existsSync(join(root, f)) ? readFileSync(join(root, f), "utf8").split("\n").filter(Boolean) : []);
  return {
    binDir,
    env: { AWS_STUB_DIR: root, ...(failId ? { AWS_STUB_FAIL_ID: failId } : {}) },
    calls: () => read("calls"),
    regions: () => read("regions"),
  };
}

/** A PATH directory holding only `commands` (symlinks to the real ones), e.g. to hide `aws`. */
export function onlyCommands(commands: string[]): string {
  const dir = tempDir("dbk-path");
  for (const c of commands) symlinkSync(resolveCommand(c), join(dir, c));
  return dir;
}

/** Write text to a fresh temp file and return its path. */
export function writeTemp(name: string, text: string): string {
  const path = join(tempDir("dbk-file"), name);
  writeFileSync(path, text);
  return path;
}

/** Registration inputs with every secret replaced by a marker: what may appear in plain text. */
export function nonSecretView(value: unknown): unknown {
  if (isSecretWire(value)) return "<secret>";
  if (Array.isArray(value)) return value.map(nonSecretView);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nonSecretView(v)]));
  }
  return value;
}

/** Canaries found in the non-secret inputs of any registration: `type name: canary`. */
export function leakedCanaries(created: Registration[], canaries: string[]): string[] {
  const leaks: string[] = [];
  for (const r of created) {
    const text = JSON.stringify(nonSecretView(r.inputs));
    for (const c of canaries) if (text.includes(c)) leaks.push(`${r.type} ${r.name}: ${c}`);
  }
  return leaks;
}
