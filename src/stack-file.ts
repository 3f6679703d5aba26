/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: keys become
 * `namespace:key` (bare keys get the project namespace), objects and lists become JSON strings,
 * and `secure:` values (encrypted, unreadable without the CLI) are reported as secret keys.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackFile {
  stack: string;
  file: string;
  /** `namespace:key` -> string value; encrypted values are absent. */
  config: Record<string, string>;
  /** Keys whose values are `secure:` (encrypted) in the file. */
  encryptedKeys: string[];
}

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(projectDir: string, stack: string, project = "depot-buildkite"): StackFile {
  const file = stackFilePath(projectDir, stack);
  const text = readFileSync(file, "utf8");
  return parseStackFile(text, stack, file, project);
}

/** A stack file that is not YAML, or not shaped like one (`config:` must be a mapping). */
export class StackFileError extends Error {}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a YAML value is, without its content (it may be a misplaced secret). */
const kindOf = (v: unknown): string => (Array.isArray(v) ? "a list" : v === null ? "null" : `a ${typeof v}`);

export function parseStackFile(text: string, stack: string, file: string, project = "depot-buildkite"): StackFile {
  const name = path.basename(file);
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (e) {
    // Only the problem and its position: the parser's message may quote the file's text (a code
    // frame, an alias name), which may hold a value that should have been a secret.
    const err = e as Error & { linePos?: { line: number; col: number }[] };
    const problem = err.message.split("\n")[0].split(/: | at line \d+/)[0].replace(/:$/, "");
    const at = err.linePos?.[0];
    throw new StackFileError(`${name} is not valid YAML: ${problem}${at ? ` at line ${at.line}, column ${at.col}` : ""}`);
  }
  const doc = parsed ?? {};
  if (!isMapping(doc)) throw new StackFileError(`${name} must be a YAML mapping with a "config:" key (got ${kindOf(doc)})`);
  const rawConfig = doc.config ?? {};
  if (!isMapping(rawConfig)) throw new StackFileError(`${name}: "config:" must be a mapping of keys to values (got ${kindOf(rawConfig)})`);
  const config: Record<string, string> = {};
  const encryptedKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(rawConfig)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value && Object.keys(value).length === 1) {
      encryptedKeys.push(key);
      continue;
    }
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack, file, config, encryptedKeys };
}
