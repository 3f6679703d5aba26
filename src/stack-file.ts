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

export function parseStackFile(text: string, stack: string, file: string, project = "depot-buildkite"): StackFile {
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const encryptedKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value && Object.keys(value).length === 1) {
      encryptedKeys.push(key);
      continue;
    }
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack, file, config, encryptedKeys };
}
