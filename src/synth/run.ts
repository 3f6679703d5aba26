/**
 * Runs the real stack program under Pulumi's mocks with a stack file's config: the same path
 * `pulumi up` takes (config -> settings -> components -> renderers), with no cloud access.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installRecorder, settle, valueOf, type Registration } from "../mock-recorder";
import { formatProblems, parseStackConfig, PROJECT, type Settings } from "../config";
import { readStackFile, StackFileError, type StackFile } from "../stack-file";
import { SECRET_KEYS, type SecretKey } from "../config-schema";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A missing secret stands in as this marked value during an offline synth. */
export function placeholderFor(key: string): string {
  return `[placeholder for secret ${key}]`;
}

export interface SynthRun {
  stack: string;
  settings: Settings;
  registrations: Registration[];
  /** Stack outputs, resolved; secret outputs are "[secret]". */
  outputs: Record<string, unknown>;
  /** Secret keys filled with placeholders: missing, or set but encrypted in the stack file. */
  placeholders: Placeholder[];
  warnings: string[];
}

export class ConfigErrors extends Error {}

/** A secret the synth filled with a placeholder. */
export interface Placeholder {
  key: string;
  why: string;
  /** Set in the stack file, but encrypted (only the Pulumi CLI can decrypt it): nothing to do. */
  encrypted: boolean;
}

/** Resolve Outputs deeply; secrets become "[secret]", unknowns "[unknown]". */
export async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    if (await pulumi.isSecret(value)) return "[secret]";
    const v = await valueOf(value);
    return v === undefined ? "[unknown]" : resolveDeep(v);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveDeep(v);
    return out;
  }
  return value;
}

export interface RunOptions {
  stack: string;
  projectDir?: string;
  /** Override config entries (full keys) and secret values (for tests: canaries). */
  configOverrides?: Record<string, string>;
  secretValues?: Partial<Record<SecretKey, string>>;
  /** Load the program module; defaults to ../index. */
  loadProgram?: () => Promise<Record<string, unknown>>;
}

/**
 * Validate the stack file, fill placeholders for missing secrets, run the program under mocks.
 * Throws ConfigErrors (message = the formatted problems) on bad config.
 */
export async function runStack(opts: RunOptions): Promise<SynthRun> {
  const projectDir = opts.projectDir ?? REPO_ROOT;
  let file: StackFile;
  try {
    file = readStackFile(projectDir, opts.stack, PROJECT);
  } catch (e) {
    if (e instanceof StackFileError) throw new ConfigErrors(e.message);
    throw e;
  }
  const config = { ...file.config, ...(opts.configOverrides ?? {}) };
  const secretKeys = new Set<string>();
  const placeholders: Placeholder[] = [];
  for (const [k, v] of Object.entries(opts.secretValues ?? {})) {
    config[`${PROJECT}:${k}`] = String(v);
    secretKeys.add(`${PROJECT}:${k}`);
  }
  for (const key of file.encryptedKeys) {
    if (secretKeys.has(key)) continue;
    const name = key.split(":").slice(1).join(":");
    config[key] = placeholderFor(name);
    secretKeys.add(key);
    placeholders.push({ key: name, why: "encrypted in the stack file (needs the Pulumi CLI to decrypt)", encrypted: true });
  }
  let parsed = parseStackConfig({ config, secretKeys: [...secretKeys], project: PROJECT });
  // Fill missing secrets with placeholders. The organization token goes first: once it is set,
  // a project-token pipeline no longer needs a hand-made depotToken.
  for (let round = 0; round < 2 && !parsed.ok && parsed.problems.length === 0; round++) {
    const orgFirst = parsed.missingSecrets.filter((m) => m.key === "depotOrgToken");
    for (const m of orgFirst.length > 0 ? orgFirst : parsed.missingSecrets) {
      const full = `${PROJECT}:${m.key}`;
      config[full] = placeholderFor(m.key);
      secretKeys.add(full);
      placeholders.push({ key: m.key, why: m.why, encrypted: false });
    }
    parsed = parseStackConfig({ config, secretKeys: [...secretKeys], project: PROJECT });
  }
  if (!parsed.ok) throw new ConfigErrors(formatProblems(parsed, opts.stack));

  const registrations: Registration[] = [];
  await installRecorder(registrations, { project: PROJECT, stack: opts.stack });
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  const warnings: string[] = [];
  const originalWarn = pulumi.log.warn;
  pulumi.log.warn = (msg: string) => {
    warnings.push(msg);
    return Promise.resolve();
  };
  let exported: Record<string, unknown>;
  try {
    exported = await (opts.loadProgram ?? (() => import("../index.js") as Promise<Record<string, unknown>>))();
    await settle();
  } finally {
    pulumi.log.warn = originalWarn;
  }
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exported)) {
    if (k === "default" || k === "__esModule") continue;
    outputs[k] = await resolveDeep(v);
  }
  await settle();
  return { stack: opts.stack, settings: parsed.settings, registrations, outputs, placeholders, warnings };
}

/** Known secret config keys, for listings. */
export const secretKeyDescriptions: Record<string, string> = SECRET_KEYS;
