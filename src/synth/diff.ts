/**
 * The pure half of `npm run synth -- --stack S --diff REF`: compare two offline renders of a stack
 * (the rendered pipeline files and the `plan.json` resources) and present the result as plain text
 * for the terminal and as Markdown for a Buildkite annotation, kept under the annotation size limit.
 *
 * Nothing here touches git, the file system or Pulumi: the CLI (`src/synth.ts`) renders both sides,
 * computes each file's unified diff with `git diff --no-index`, and hands the pieces to these functions.
 */

/** Buildkite rejects an annotation body over 1 MiB. */
export const ANNOTATION_LIMIT_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Rendered files

/** Files of a synth output that hold pipeline YAML (relative, `/`-separated). */
export function isRenderedPipelineFile(rel: string): boolean {
  return /^pipelines\/[^/]+\.yml$/.test(rel) || /^repositories\/[^/]+\/\.buildkite\/pipeline\.yml$/.test(rel);
}

export type FileStatus = "added" | "changed" | "removed";

export interface FileChange {
  path: string;
  status: FileStatus;
  /** Unified diff (`---`/`+++` headers and hunks), as {@link normalizeGitDiff} returns it. */
  diff: string;
}

/** Which rendered files were added, changed or removed, sorted by path. */
export function compareFiles(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): { path: string; status: FileStatus }[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: { path: string; status: FileStatus }[] = [];
  for (const p of paths) {
    const a = before.get(p);
    const b = after.get(p);
    if (a === undefined) out.push({ path: p, status: "added" });
    else if (b === undefined) out.push({ path: p, status: "removed" });
    else if (a !== b) out.push({ path: p, status: "changed" });
  }
  return out;
}

/**
 * Replace the headers of `git diff --no-index` output (which name temporary directories) with
 * `--- a/<rel>` / `+++ b/<rel>` (`/dev/null` for an added or removed file); hunks are kept as they are.
 */
export function normalizeGitDiff(raw: string, rel: string, status: FileStatus): string {
  const lines = raw.split("\n");
  const first = lines.findIndex((l) => l.startsWith("@@"));
  const hunks = first < 0 ? [] : lines.slice(first);
  while (hunks.length > 0 && hunks[hunks.length - 1] === "") hunks.pop();
  const from = status === "added" ? "/dev/null" : `a/${rel}`;
  const to = status === "removed" ? "/dev/null" : `b/${rel}`;
  return [`--- ${from}`, `+++ ${to}`, ...hunks].join("\n") + "\n";
}

/** Lines added and removed by a unified diff (headers excluded). */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++ ") || line.startsWith("--- ")) continue;
    if (line.startsWith("+")) added++;
    else if (line.startsWith("-")) removed++;
  }
  return { added, removed };
}

// ---------------------------------------------------------------------------------------------
// Resources (plan.json)

/** The part of a `plan.json` resource the comparison reads. */
export interface PlannedResource {
  type: string;
  name: string;
  parent?: string | null;
  inputs: Record<string, unknown>;
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  aliases?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parse a synth `plan.json`; throws with `where` in the message when it does not have the expected shape. */
export function parsePlan(text: string, where: string): PlannedResource[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc) || !Array.isArray(doc.resources)) throw new Error(`${where}: expected an object with a "resources" list`);
  return doc.resources.map((r: unknown, i: number) => {
    if (!isObject(r) || typeof r.type !== "string" || typeof r.name !== "string" || !isObject(r.inputs)) {
      throw new Error(`${where}: resources[${i}] needs a string "type", a string "name" and an object "inputs"`);
    }
    const res: PlannedResource = { type: r.type, name: r.name, inputs: r.inputs };
    if (typeof r.parent === "string" || r.parent === null) res.parent = r.parent;
    if (r.protect === true) res.protect = true;
    if (r.retainOnDelete === true) res.retainOnDelete = true;
    if (r.deleteBeforeReplace === true) res.deleteBeforeReplace = true;
    if (Array.isArray(r.aliases)) res.aliases = r.aliases.filter((a): a is string => typeof a === "string");
    return res;
  });
}

/** One changed leaf: its path (`steps`, `tags.team`, `rules[0].action`) and both values. */
export interface ValueChange {
  path: string;
  before: unknown;
  after: unknown;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  const part = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
  return base === "" ? part : /^[A-Za-z_$]/.test(part) ? `${base}.${part}` : `${base}[${part}]`;
}

/**
 * The smallest differing parts of two values. Objects are compared key by key, arrays of equal
 * length item by item; anything else that differs is one change at its path.
 */
export function changedValues(before: unknown, after: unknown, at = ""): ValueChange[] {
  if (deepEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedValues(before[k], after[k], joinPath(at, k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((x, i) => changedValues(x, after[i], joinPath(at, i)));
  }
  return [{ path: at === "" ? "(value)" : at, before, after }];
}

export type ResourceChangeKind = "added" | "changed" | "removed";

export interface ResourceChange {
  kind: ResourceChangeKind;
  type: string;
  name: string;
  /** For "changed": what differs in `inputs`. */
  inputs: ValueChange[];
  /** For "changed": resource options that differ (`parent`, `protect`, ...). */
  options: ValueChange[];
  /** For "removed": options that change what removing it does. */
  protect?: true;
  retainOnDelete?: true;
}

const OPTION_KEYS = ["parent", "protect", "retainOnDelete", "deleteBeforeReplace", "aliases"] as const;
const KIND_ORDER: Record<ResourceChangeKind, number> = { added: 0, changed: 1, removed: 2 };

function keyed(resources: readonly PlannedResource[]): Map<string, PlannedResource> {
  const map = new Map<string, PlannedResource>();
  for (const r of resources) {
    let key = `${r.type}::${r.name}`;
    // Same type and name under two parents is legal in Pulumi; keep both apart.
    if (map.has(key)) key = `${key}::${r.parent ?? ""}`;
    map.set(key, r);
  }
  return map;
}

/**
 * Compare two plans' resources, keyed by type and name: added, removed, and changed (their
 * `inputs` or options differ). Sorted added → changed → removed, then by type and name.
 * `before` null means the stack did not exist at the base: every resource is added.
 */
export function comparePlans(before: readonly PlannedResource[] | null, after: readonly PlannedResource[] | null): ResourceChange[] {
  const a = keyed(before ?? []);
  const b = keyed(after ?? []);
  const out: ResourceChange[] = [];
  for (const [key, r] of b) {
    const old = a.get(key);
    if (!old) {
      out.push({ kind: "added", type: r.type, name: r.name, inputs: [], options: [] });
      continue;
    }
    const inputs = changedValues(old.inputs, r.inputs);
    const options = OPTION_KEYS.flatMap((k) => changedValues(old[k] ?? undefined, r[k] ?? undefined, k));
    if (inputs.length > 0 || options.length > 0) out.push({ kind: "changed", type: r.type, name: r.name, inputs, options });
  }
  for (const [key, r] of a) {
    if (b.has(key)) continue;
    const removed: ResourceChange = { kind: "removed", type: r.type, name: r.name, inputs: [], options: [] };
    if (r.protect) removed.protect = true;
    if (r.retainOnDelete) removed.retainOnDelete = true;
    out.push(removed);
  }
  return out.sort(
    (x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || x.type.localeCompare(y.type) || x.name.localeCompare(y.name),
  );
}

// ---------------------------------------------------------------------------------------------
// Report

export interface DiffReport {
  stack: string;
  /** The git ref as given (`origin/main`) and the commit it resolved to. */
  ref: string;
  commit: string;
  /** The stack file did not exist at the ref / does not exist in the working tree. */
  missingBefore: boolean;
  missingAfter: boolean;
  files: FileChange[];
  resources: ResourceChange[];
  /** Configuration warnings that appear or disappear with the change. */
  warnings?: { added: string[]; removed: string[] };
}

export function hasChanges(report: DiffReport): boolean {
  return report.files.length > 0 || report.resources.length > 0 || (report.warnings?.added.length ?? 0) + (report.warnings?.removed.length ?? 0) > 0;
}

/** The bullet lines of the `## Warnings` section of a synth `summary.md` (none when it has none). */
export function summaryWarnings(summary: string): string[] {
  const lines = summary.split("\n");
  const start = lines.indexOf("## Warnings");
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    if (line.startsWith("- ")) out.push(line.slice(2));
  }
  return out;
}

/**
 * Warnings only in `after` (added) and only in `before` (removed), in their own order. Compared
 * without their `pipelines[N].images[M]` prefix (the slug and key follow it), so a pipeline
 * inserted before others does not show every later warning as removed and added again.
 */
export function compareWarnings(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const key = (w: string) => w.replace(/^pipelines\[\d+\](?:\.images\[\d+\])? /, "");
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return { added: after.filter((w) => !beforeKeys.has(key(w))), removed: before.filter((w) => !afterKeys.has(key(w))) };
}

const MAX_CHANGES_LISTED = 6;

function shortValue(v: unknown): string | undefined {
  if (v === undefined) return "(none)";
  if (v !== null && typeof v === "object") return undefined;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length <= 40 && !/[\n`|]/.test(s) ? s : undefined;
}

/** `path` or `path: old → new` (short scalar values only), at most a few, then "and N more". */
function describeChanges(changes: readonly ValueChange[], code: (s: string) => string): string {
  const parts = changes.slice(0, MAX_CHANGES_LISTED).map((c) => {
    const a = shortValue(c.before);
    const b = shortValue(c.after);
    return a !== undefined && b !== undefined ? `${code(c.path)}: ${code(a)} → ${code(b)}` : code(c.path);
  });
  if (changes.length > MAX_CHANGES_LISTED) parts.push(`and ${changes.length - MAX_CHANGES_LISTED} more`);
  return parts.join(", ");
}

/** What to say about one resource change in a listing. */
function describeResource(r: ResourceChange, code: (s: string) => string): string {
  const parts: string[] = [];
  if (r.protect) parts.push(`protected: ${code("pulumi up")} refuses to delete it until it is unprotected`);
  if (r.retainOnDelete) parts.push("retainOnDelete: left in place, only dropped from the stack");
  const what = describeChanges([...r.inputs, ...r.options], code);
  if (what) parts.push(what);
  return parts.join("; ");
}

/** "1 changed, 2 removed" in a fixed order, or "no changes". */
function tally<T extends string>(kinds: readonly T[], words: Record<T, string>): string {
  const order = Object.keys(words) as T[];
  const parts = order.map((k) => [k, kinds.filter((x) => x === k).length] as const).filter(([, n]) => n > 0);
  return parts.length === 0 ? "no changes" : parts.map(([k, n]) => `${n} ${words[k]}`).join(", ");
}

function countsLine(report: DiffReport): { files: string; resources: string } {
  return {
    files: tally(report.files.map((f) => f.status), { added: "added", changed: "changed", removed: "removed" }),
    resources: tally(report.resources.map((r) => r.kind), { added: "to add", changed: "to change", removed: "to remove" }),
  };
}

function baseDescription(report: DiffReport): string {
  const short = report.commit.slice(0, 12);
  return report.ref === report.commit || report.ref === short ? short : `${report.ref} (${short})`;
}

/** Plain text for the terminal: the summary, every resource change, then every diff in full. */
export function renderDiffText(report: DiffReport): string {
  const lines: string[] = [`Offline synth diff of stack ${report.stack}: working tree compared with ${baseDescription(report)}`];
  if (report.missingBefore) lines.push(`Pulumi.${report.stack}.yaml does not exist at ${report.ref}: everything is added.`);
  if (report.missingAfter) lines.push(`Pulumi.${report.stack}.yaml does not exist in the working tree: everything is removed.`);
  if (!hasChanges(report)) {
    lines.push("No changes.");
    return lines.join("\n") + "\n";
  }
  const counts = countsLine(report);
  lines.push(`Pipeline files: ${counts.files}. Resources: ${counts.resources}.`, "");
  if (report.warnings && report.warnings.added.length > 0) lines.push("New warnings:", ...report.warnings.added.map((w) => `  ! ${w}`), "");
  if (report.warnings && report.warnings.removed.length > 0) lines.push("Warnings gone:", ...report.warnings.removed.map((w) => `  - ${w}`), "");
  if (report.resources.length > 0) {
    lines.push("Resources:");
    const sign: Record<ResourceChangeKind, string> = { added: "+", changed: "~", removed: "-" };
    for (const r of report.resources) {
      const what = describeResource(r, (s) => s);
      lines.push(`  ${sign[r.kind]} ${r.kind.padEnd(7)} ${r.type} ${r.name}${what ? ` (${what})` : ""}`);
    }
    lines.push("");
  }
  for (const f of report.files) {
    lines.push(`${f.path}: ${f.status}`);
    lines.push(f.diff.replace(/\n$/, ""), "");
  }
  return lines.join("\n");
}

/** The whole unified diff of every pipeline file (a patch). */
export function renderPatch(report: DiffReport): string {
  return report.files.map((f) => f.diff).join("");
}

// ---------------------------------------------------------------------------------------------
// Markdown and truncation

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** A Markdown code span that survives backticks in `s`. */
function codeSpan(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const ticks = "`".repeat(longest + 1);
  return longest > 0 ? `${ticks} ${s} ${ticks}` : `${ticks}${s}${ticks}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A fenced code block whose fence is longer than any backtick run inside `body`. */
export function fenced(body: string, lang: string): string {
  const longest = Math.max(0, ...(body.match(/`{3,}/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body.endsWith("\n") || body === "" ? body : `${body}\n`}${fence}`;
}

/**
 * Keep whole lines of `text` while they fit in `maxBytes` (UTF-8). Returns the kept text and how
 * many lines were dropped.
 */
export function truncateLines(text: string, maxBytes: number): { text: string; keptLines: number; totalLines: number } {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  const totalLines = text === "" ? 0 : lines.length;
  if (byteLength(text) <= maxBytes) return { text, keptLines: totalLines, totalLines };
  let used = 0;
  let kept = 0;
  for (const line of lines) {
    const size = byteLength(line) + 1;
    if (used + size > maxBytes) break;
    used += size;
    kept++;
  }
  return { text: lines.slice(0, kept).map((l) => `${l}\n`).join(""), keptLines: kept, totalLines };
}

/**
 * Split `budget` bytes over items of the given sizes: small items get all they need, the rest share
 * what is left equally (water-filling). Returns each item's allowance, in input order.
 */
export function shareBudget(sizes: readonly number[], budget: number): number[] {
  const order = sizes.map((s, i) => [s, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(sizes.length).fill(0);
  let left = Math.max(0, budget);
  order.forEach(([size, i], n) => {
    const fair = Math.floor(left / (order.length - n));
    out[i] = Math.min(size, fair);
    left -= out[i];
  });
  return out;
}

export interface MarkdownOptions {
  /** Maximum size of the Markdown in bytes (default: Buildkite's annotation limit). */
  limitBytes?: number;
  /** How to get the full diff, named in truncation notes. */
  fullDiffHint?: string;
}

interface ShownDiff {
  text: string;
  keptLines: number;
  totalLines: number;
}

function markdownWith(report: DiffReport, shown: readonly ShownDiff[], resourceRows: number, opts: MarkdownOptions): string {
  const out: string[] = [];
  out.push(`#### Offline synth diff: stack ${codeSpan(report.stack)} compared with ${codeSpan(baseDescription(report))}`, "");
  if (report.missingBefore) out.push(`\`Pulumi.${report.stack}.yaml\` does not exist at ${codeSpan(report.ref)}: everything is added.`, "");
  if (report.missingAfter) out.push(`\`Pulumi.${report.stack}.yaml\` does not exist in this change: everything is removed.`, "");
  if (!hasChanges(report)) {
    out.push("No changes.", "");
    return out.join("\n");
  }
  const counts = countsLine(report);
  out.push(`**Pipeline files:** ${counts.files}. **Resources:** ${counts.resources}.`, "");
  const truncated = shown.some((s) => s.keptLines < s.totalLines) || resourceRows < report.resources.length;
  if (truncated) {
    out.push(
      `> **Note:** this annotation is truncated to stay under Buildkite's annotation size limit.${opts.fullDiffHint ? ` For everything: ${opts.fullDiffHint}.` : ""}`,
      "",
    );
  }
  if (report.warnings && report.warnings.added.length > 0) {
    out.push("**New warnings:**", "", ...report.warnings.added.map((w) => `- ${w}`), "");
  }
  if (report.warnings && report.warnings.removed.length > 0) {
    out.push("**Warnings gone:**", "", ...report.warnings.removed.map((w) => `- ${w}`), "");
  }
  if (report.resources.length > 0) {
    out.push("| change | type | name | what changed |", "| --- | --- | --- | --- |");
    for (const r of report.resources.slice(0, resourceRows)) {
      out.push(`| ${r.kind} | ${codeSpan(r.type)} | ${codeSpan(r.name)} | ${cell(describeResource(r, codeSpan))} |`);
    }
    if (resourceRows < report.resources.length) out.push(`| … | ${report.resources.length - resourceRows} more resources not shown | | |`);
    out.push("");
  }
  report.files.forEach((f, i) => {
    const s = shown[i];
    const stat = diffStat(f.diff);
    // A removed file's content is gone either way: keep it folded.
    out.push(f.status === "removed" ? "<details>" : "<details open>", `<summary><code>${f.path}</code>: ${f.status} (+${stat.added} -${stat.removed})</summary>`, "");
    out.push(fenced(s.text, "diff"), "");
    if (s.keptLines < s.totalLines) {
      out.push(`> **Truncated:** ${s.keptLines} of ${s.totalLines} diff lines shown.`, "");
    }
    out.push("</details>", "");
  });
  out.push("<sub>Rendered offline under mocks: secrets are placeholders, so secret values are not compared.</sub>", "");
  return out.join("\n");
}

/**
 * The report as Markdown for `buildkite-agent annotate`: a resource table, then each pipeline
 * file's diff in a `diff` block. When the whole would exceed `limitBytes`, the diffs share the room
 * left (small diffs stay whole) and each cut diff says so; a huge resource table is cut too.
 */
export function renderDiffMarkdown(report: DiffReport, opts: MarkdownOptions = {}): string {
  const limit = opts.limitBytes ?? ANNOTATION_LIMIT_BYTES;
  const full = report.files.map((f) => {
    const lines = truncateLines(f.diff, Number.MAX_SAFE_INTEGER);
    return { text: f.diff, keptLines: lines.totalLines, totalLines: lines.totalLines };
  });
  let rows = report.resources.length;
  const whole = markdownWith(report, full, rows, opts);
  if (byteLength(whole) <= limit) return whole;

  // The resource table may take at most a quarter of the room.
  const withoutFiles = { ...report, files: [] };
  const tableOnly = (n: number) => byteLength(markdownWith(withoutFiles, [], n, opts));
  const base = tableOnly(0);
  while (rows > 0 && tableOnly(rows) - base > limit / 4) rows = Math.floor(rows * 0.9);

  // Room left for diff bodies: render with empty bodies and worst-case notes, then share the rest.
  const empty = report.files.map(() => ({ text: "", keptLines: 0, totalLines: Number.MAX_SAFE_INTEGER }));
  let budget = limit - byteLength(markdownWith(report, empty, rows, opts));
  for (let attempt = 0; attempt < 8; attempt++) {
    const allowances = shareBudget(
      report.files.map((f) => byteLength(f.diff)),
      budget,
    );
    const shown = report.files.map((f, i) => truncateLines(f.diff, allowances[i]));
    const md = markdownWith(report, shown, rows, opts);
    const over = byteLength(md) - limit;
    if (over <= 0) return md;
    budget -= over + 64;
  }
  // Unreachable in practice; never return something Buildkite would reject.
  return markdownWith(report, report.files.map(() => ({ text: "", keptLines: 0, totalLines: 1 })), 0, opts);
}
