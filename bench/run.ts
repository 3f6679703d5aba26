/**
 * Scale benchmark: the stack program with N pipelines against a baseline that registers the same
 * resources directly. `npm run bench [-- options]`:
 *
 *   --sizes 100,1000,2000   pipeline counts (default 100,1000,2000)
 *   --variant managed       managed | config-only (see bench/spec.ts; default managed)
 *   --repeat R              runs per program and size (default: 3 for N <= 100, else 1); the median is kept
 *   --cpu-prof              also write V8 CPU profiles of every child to bench/out/prof/
 *   --no-write              print only; do not write bench/results.json
 *
 * Every measurement is a fresh process (`node --import tsx bench/child.ts`), ours and the
 * baseline alternating. The generated stacks live in bench/out/project/ (gitignored).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { ChildResult, Mode } from "./measure";
import { benchSpec, stackName, stackYaml, VARIANTS, type Variant } from "./spec";

const BENCH_DIR = __dirname;
const ROOT = path.resolve(BENCH_DIR, "..");
const OUT = path.join(BENCH_DIR, "out");
const PROJECT_DIR = path.join(OUT, "project");
const RESULTS = path.join(BENCH_DIR, "results.json");
/** Same heap limit for both programs, so the largest size measures instead of running out of heap. */
const HEAP_MIB = 12_288;
const CHILD_TIMEOUT_MS = 8 * 60_000;

export const TARGETS = { timeRatio: 1.3, memoryRatio: 1.5, scaling: 2.2, at: 1000, scalingFrom: 1000, scalingTo: 2000 } as const;

interface Options {
  sizes: number[];
  variant: Variant;
  repeat?: number;
  cpuProf: boolean;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { sizes: [100, 1000, 2000], variant: "managed", cpuProf: false, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--sizes") o.sizes = value().split(",").map((s) => Number(s.trim()));
    else if (a === "--variant") {
      const v = value();
      if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`--variant must be one of ${VARIANTS.join(", ")}`);
      o.variant = v as Variant;
    } else if (a === "--repeat") o.repeat = Number(value());
    else if (a === "--cpu-prof") o.cpuProf = true;
    else if (a === "--no-write") o.write = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--sizes must be positive integers");
  if (o.repeat !== undefined && (!Number.isInteger(o.repeat) || o.repeat < 1)) throw new Error("--repeat must be a positive integer");
  return o;
}

function runChild(mode: Mode, n: number, variant: Variant, opts: Options, tag: string): Promise<ChildResult> {
  const result = path.join(OUT, `result-${mode}-${variant}-${n}-${tag}.json`);
  rmSync(result, { force: true });
  const nodeArgs = ["--import", "tsx", `--max-old-space-size=${HEAP_MIB}`];
  if (opts.cpuProf) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${path.join(OUT, "prof", `${mode}-${variant}-${n}-${tag}`)}`);
  const args = [...nodeArgs, path.join(BENCH_DIR, "child.ts"), "--mode", mode, "--n", String(n), "--variant", variant, "--project-dir", PROJECT_DIR, "--result", result];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${mode} N=${n} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-4000)}`));
        return;
      }
      resolve(JSON.parse(readFileSync(result, "utf8")) as ChildResult);
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The run with the median wall time (its numbers stay consistent with each other). */
function medianRun(runs: ChildResult[]): ChildResult {
  const m = median(runs.map((r) => r.wallMs));
  return runs.reduce((best, r) => (Math.abs(r.wallMs - m) < Math.abs(best.wallMs - m) ? r : best));
}

interface Summary {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  heapUsedMiB: number;
  startupMs: number;
  phases: Record<string, number>;
  samples: { wallMs: number; cpuMs: number; maxRssMiB: number }[];
}

function summarize(runs: ChildResult[]): Summary {
  const m = medianRun(runs);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    wallMs: r1(m.wallMs),
    cpuMs: r1(m.cpuMs),
    maxRssMiB: r1(m.maxRssMiB),
    heapUsedMiB: r1(m.heapUsedMiB),
    startupMs: r1(m.startupMs),
    phases: Object.fromEntries(Object.entries(m.phases).map(([k, v]) => [k, r1(v)])),
    samples: runs.map((r) => ({ wallMs: r1(r.wallMs), cpuMs: r1(r.cpuMs), maxRssMiB: r1(r.maxRssMiB) })),
  };
}

const METHOD =
  "Fresh process per measurement (node --import tsx bench/child.ts). Window: after loading @pulumi/pulumi, @pulumi/aws and " +
  "@pulumiverse/buildkite (both programs) and the baseline's precompute, until every registration has settled (ours: runStack, " +
  "outputs resolved too). Both programs are imported as modules whose top level registers the resources, from the same call depth. cpu = process.cpuUsage() user+system in the window; RSS = process peak (resourceUsage().maxRSS). " +
  "The run with the median wall time is kept. Time targets are judged on CPU time (the machine may be shared, so wall time is noisier); wall ratios are reported next to them.";

interface ResultsFile {
  method: string;
  heapLimitMiB: number;
  variants: Partial<Record<Variant, unknown>>;
}

interface SizeResult {
  n: number;
  resources: { ours: number; baseline: number };
  identicalRegistrations: boolean;
  ours: Summary;
  baseline: Summary;
  ratio: { wall: number; cpu: number; rss: number };
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const secs = (msValue: number) => `${(msValue / 1000).toFixed(1)} s`;
const mibs = (v: number) => `${Math.round(v)} MiB`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

/** The commit measured, and whether the program's sources differed from it. */
function gitState(): { commit: string; programDirty: boolean } | undefined {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  if (head.status !== 0) return undefined;
  const status = spawnSync("git", ["status", "--porcelain", "--", "src", "components"], { cwd: ROOT, encoding: "utf8" });
  return { commit: head.stdout.trim(), programDirty: status.stdout.trim() !== "" };
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100).join(" "),
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const info = machine();
  const git = gitState();
  mkdirSync(PROJECT_DIR, { recursive: true });
  process.stdout.write(`Machine: ${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, load ${info.loadAverageAtStart}\n`);

  const plan = opts.sizes.map((n) => ({ n, repeat: opts.repeat ?? (n <= 100 ? 3 : 1) }));
  const totalRuns = plan.reduce((s, p) => s + 2 * p.repeat, 0);
  let done = 0;
  const sizes: SizeResult[] = [];
  const problems: string[] = [];

  for (const { n, repeat } of plan) {
    const spec = benchSpec(n, opts.variant);
    writeFileSync(path.join(PROJECT_DIR, `Pulumi.${stackName(n, opts.variant)}.yaml`), stackYaml(spec));
    const runs: Record<Mode, ChildResult[]> = { ours: [], baseline: [] };
    for (let r = 0; r < repeat; r++) {
      for (const mode of ["ours", "baseline"] as const) {
        done++;
        process.stdout.write(`[${done}/${totalRuns}] N=${n} ${mode.padEnd(8)} run ${r + 1}/${repeat} ... `);
        try {
          const res = await runChild(mode, n, opts.variant, opts, String(r + 1));
          runs[mode].push(res);
          process.stdout.write(`${secs(res.wallMs)} wall, ${secs(res.cpuMs)} cpu, ${mibs(res.maxRssMiB)} peak RSS, ${res.resources} resources\n`);
        } catch (e) {
          // E.g. out of heap: report it and carry on with the other runs.
          const message = e instanceof Error ? e.message : String(e);
          process.stdout.write("FAILED\n");
          problems.push(message);
        }
      }
    }
    if (runs.ours.length === 0 || runs.baseline.length === 0) {
      process.stdout.write(`    N=${n}: no result (a program failed every run)\n`);
      continue;
    }
    const o = runs.ours[0];
    const b = runs.baseline[0];
    const fingerprints = new Set([...runs.ours, ...runs.baseline].map((x) => x.fingerprint));
    if (o.resources !== b.resources) problems.push(`N=${n}: ours registered ${o.resources} resources, the baseline ${b.resources}`);
    if (fingerprints.size !== 1) problems.push(`N=${n}: ours and the baseline registered different resources or inputs (fingerprints differ)`);
    const ours = summarize(runs.ours);
    const baseline = summarize(runs.baseline);
    sizes.push({
      n,
      resources: { ours: o.resources, baseline: b.resources },
      identicalRegistrations: fingerprints.size === 1,
      ours,
      baseline,
      ratio: { wall: ratio(ours.wallMs, baseline.wallMs), cpu: ratio(ours.cpuMs, baseline.cpuMs), rss: ratio(ours.maxRssMiB, baseline.maxRssMiB) },
    });
    process.stdout.write(`    N=${n}: resources ours ${o.resources} / baseline ${b.resources}, identical registrations: ${fingerprints.size === 1 ? "yes" : "NO"}\n`);
  }

  const at = sizes.find((s) => s.n === TARGETS.at);
  const from = sizes.find((s) => s.n === TARGETS.scalingFrom);
  const to = sizes.find((s) => s.n === TARGETS.scalingTo);
  const scaling =
    from && to
      ? { wall: ratio(to.ours.wallMs, from.ours.wallMs), cpu: ratio(to.ours.cpuMs, from.ours.cpuMs), rss: ratio(to.ours.maxRssMiB, from.ours.maxRssMiB), baselineCpu: ratio(to.baseline.cpuMs, from.baseline.cpuMs) }
      : undefined;
  const targets = {
    timeRatioAt1000: at ? { target: TARGETS.timeRatio, cpu: at.ratio.cpu, wall: at.ratio.wall, met: at.ratio.cpu <= TARGETS.timeRatio, wallMet: at.ratio.wall <= TARGETS.timeRatio } : undefined,
    memoryRatioAt1000: at ? { target: TARGETS.memoryRatio, rss: at.ratio.rss, met: at.ratio.rss <= TARGETS.memoryRatio } : undefined,
    scaling2000over1000: scaling ? { target: TARGETS.scaling, cpu: scaling.cpu, wall: scaling.wall, met: scaling.cpu <= TARGETS.scaling, wallMet: scaling.wall <= TARGETS.scaling } : undefined,
  };

  const rows = [["N", "resources", "ours wall", "base wall", "ratio", "ours cpu", "base cpu", "ratio", "ours RSS", "base RSS", "ratio"]];
  for (const s of sizes) {
    rows.push([
      String(s.n),
      s.resources.ours === s.resources.baseline ? String(s.resources.ours) : `${s.resources.ours}/${s.resources.baseline}`,
      secs(s.ours.wallMs),
      secs(s.baseline.wallMs),
      s.ratio.wall.toFixed(2),
      secs(s.ours.cpuMs),
      secs(s.baseline.cpuMs),
      s.ratio.cpu.toFixed(2),
      mibs(s.ours.maxRssMiB),
      mibs(s.baseline.maxRssMiB),
      s.ratio.rss.toFixed(2),
    ]);
  }
  process.stdout.write(`\nVariant ${opts.variant}; time = from after the shared SDK imports to every registration settled (ours: runStack, outputs resolved).\n`);
  process.stdout.write(`${table(rows)}\n`);
  if (scaling) process.stdout.write(`Scaling ours ${TARGETS.scalingTo}/${TARGETS.scalingFrom}: wall ${scaling.wall}, cpu ${scaling.cpu}, RSS ${scaling.rss} (baseline cpu ${scaling.baselineCpu})\n`);
  // Time targets are judged on CPU time (steady on a shared machine); wall time is shown next to it.
  const verdict = (name: string, t: { met: boolean } | undefined, detail: string) =>
    process.stdout.write(`Target ${name}: ${t === undefined ? "not measured" : `${t.met ? "met" : "MISSED"} (${detail})`}\n`);
  verdict(`time ratio at ${TARGETS.at} <= ${TARGETS.timeRatio}`, targets.timeRatioAt1000, `cpu ${targets.timeRatioAt1000?.cpu}, wall ${targets.timeRatioAt1000?.wall}`);
  verdict(`memory ratio at ${TARGETS.at} <= ${TARGETS.memoryRatio}`, targets.memoryRatioAt1000, `peak RSS ${targets.memoryRatioAt1000?.rss}`);
  verdict(`scaling ${TARGETS.scalingTo}/${TARGETS.scalingFrom} <= ${TARGETS.scaling}`, targets.scaling2000over1000, `cpu ${scaling?.cpu}, wall ${scaling?.wall}`);
  for (const p of problems) process.stdout.write(`ERROR: ${p}\n`);

  const totalSeconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`Bench took ${totalSeconds} s.\n`);
  if (opts.write) {
    const run = {
      date: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
      machine: info,
      git,
      targets,
      scaling,
      sizes,
      benchSeconds: totalSeconds,
      problems,
    };
    // One entry per variant: a run replaces its own variant's entry and keeps the others.
    let previous: Partial<ResultsFile> = {};
    try {
      previous = JSON.parse(readFileSync(RESULTS, "utf8")) as Partial<ResultsFile>;
    } catch {
      previous = {};
    }
    const results: ResultsFile = {
      method: METHOD,
      heapLimitMiB: HEAP_MIB,
      variants: { ...(previous.variants ?? {}), [opts.variant]: run },
    };
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`Wrote ${path.relative(ROOT, RESULTS)} (variant ${opts.variant})\n`);
  }
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
