/**
 * Capture everything a run prints or logs: process stdout/stderr, `console.*` (vitest routes it
 * around process.stdout) and `pulumi.log.*` (what the engine would show and keep).
 */
import * as pulumi from "@pulumi/pulumi";

type LogFn = (msg: string, resource?: pulumi.Resource, streamId?: number, ephemeral?: boolean) => Promise<void>;
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

export interface Captured<T> {
  value: T;
  /** Everything printed or logged, one entry per write or log call, prefixed with its channel. */
  lines: string[];
}

export async function captureOutput<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  const lines: string[] = [];
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const writer = (channel: string) =>
    ((chunk: string | Uint8Array) => {
      lines.push(`${channel}: ${typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")}`);
      return true;
    }) as typeof process.stdout.write;
  const savedConsole = CONSOLE_METHODS.map((m) => [m, console[m]] as const);
  const log = pulumi.log as unknown as Record<(typeof LOG_LEVELS)[number], LogFn>;
  const savedLog = LOG_LEVELS.map((l) => [l, log[l]] as const);

  process.stdout.write = writer("stdout");
  process.stderr.write = writer("stderr");
  for (const m of CONSOLE_METHODS) {
    console[m] = (...args: unknown[]) => {
      lines.push(`console.${m}: ${args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ")}`);
    };
  }
  for (const l of LOG_LEVELS) {
    log[l] = (msg: string) => {
      lines.push(`pulumi.log.${l}: ${msg}`);
      return Promise.resolve();
    };
  }
  try {
    const value = await fn();
    return { value, lines };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    for (const [m, f] of savedConsole) console[m] = f;
    for (const [l, f] of savedLog) log[l] = f;
  }
}

function safeJson(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}\n${v.stack ?? ""}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
