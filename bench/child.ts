/**
 * One measured run, in a fresh process (spawned by bench/run.ts):
 *
 *   node --import tsx bench/child.ts --mode ours|baseline --n N --variant managed|config-only \
 *     --project-dir DIR --result FILE [--dump FILE]
 *
 * Both modes first load the same SDK modules (`@pulumi/pulumi`, `@pulumi/aws`,
 * `@pulumiverse/buildkite`, the resource classes used) so that the window compares programs, not
 * module loading. Then:
 * - `ours`: `runStack({ stack, projectDir })` on the generated `Pulumi.<stack>.yaml`: the offline
 *   synth's path (config read and validated, mocks installed, program imported, every registration
 *   settled, outputs resolved);
 * - `baseline`: precompute (outside the window), then install the same mocks recorder, import
 *   `bench/baseline-program.ts` (a program whose top level registers the same resources directly)
 *   from the same call depth as `runStack` imports the stack program, and wait for them to settle.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as aws from "@pulumi/aws";
import * as buildkite from "@pulumiverse/buildkite";
import { installRecorder, settle, type Registration } from "../src/mock-recorder";
import { PROJECT } from "../src/config";
import { runStack } from "../src/synth/run";
import { countByType, fingerprintOf, MODES, registrationLines, type ChildResult, type Mode } from "./measure";
import { benchSpec, stackName, VARIANTS, type Variant } from "./spec";

interface ChildArgs {
  mode: Mode;
  n: number;
  variant: Variant;
  projectDir: string;
  result: string;
  dump?: string;
}

function parseArgs(argv: string[]): ChildArgs {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const mode = get("--mode");
  const variant = get("--variant") ?? "managed";
  const n = Number(get("--n"));
  const projectDir = get("--project-dir");
  const result = get("--result");
  if (!(MODES as readonly string[]).includes(mode ?? "")) throw new Error(`--mode must be one of ${MODES.join(", ")}`);
  if (!(VARIANTS as readonly string[]).includes(variant)) throw new Error(`--variant must be one of ${VARIANTS.join(", ")}`);
  if (!Number.isInteger(n) || n < 1) throw new Error("--n must be a positive integer");
  if (!projectDir || !result) throw new Error("--project-dir and --result are required");
  return { mode: mode as Mode, n, variant: variant as Variant, projectDir, result, dump: get("--dump") };
}

/** Touch the resource classes both programs use, so @pulumi/aws's lazy submodules load before the window. */
function warmSdk(): number {
  const classes: unknown[] = [
    aws.ecr.Repository,
    aws.ecr.LifecyclePolicy,
    aws.iam.Role,
    aws.iam.RolePolicy,
    aws.iam.OpenIdConnectProvider,
    buildkite.pipeline.Pipeline,
    buildkite.pipeline.Team,
    buildkite.pipeline.Schedule,
    buildkite.cluster.ClusterSecret,
  ];
  return classes.length;
}

/**
 * The baseline's counterpart of `runStack`: install the same mocks recorder, then let `loadProgram`
 * import the program module. Both programs are thus imported as Pulumi imports a program (their
 * top level registers the resources) and from the same call depth (main -> runner -> loadProgram),
 * so neither pays for deeper stack traces than the other because of the harness.
 */
async function runBaseline(opts: { stack: string; loadProgram: () => Promise<void> }): Promise<Registration[]> {
  const created: Registration[] = [];
  await installRecorder(created, { project: PROJECT, stack: opts.stack });
  await opts.loadProgram();
  return created;
}

const ms = (micros: number) => micros / 1000;
const mib = (bytes: number) => bytes / (1024 * 1024);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  warmSdk();
  const stack = stackName(args.n, args.variant);
  const phases: Record<string, number> = {};
  let registrations: Registration[] = [];

  // Baseline: everything that is not `new` happens here, before the window.
  // (Imported only here, so the stack program's modules are not preloaded in `ours` runs.)
  const baseline = args.mode === "baseline" ? await import("./baseline.js") : undefined;
  const plan = baseline?.prepareBaseline(benchSpec(args.n, args.variant));

  const startupMs = performance.now();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let mark = t0;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = now - mark;
    mark = now;
  };

  if (args.mode === "ours") {
    const run = await runStack({
      stack,
      projectDir: args.projectDir,
      loadProgram: async () => {
        phase("config+mocks");
        const program = (await import("../src/index.js")) as Record<string, unknown>;
        phase("program");
        await settle();
        phase("settle");
        return program;
      },
    });
    phase("outputs");
    registrations = run.registrations;
  } else if (baseline && plan) {
    registrations = await runBaseline({
      stack,
      loadProgram: async () => {
        phase("mocks");
        baseline.handOverPlan(plan);
        await import("./baseline-program.js");
        phase("program");
        await settle();
        phase("settle");
      },
    });
  }

  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heapUsedMiB = mib(process.memoryUsage().heapUsed);
  const total = process.cpuUsage();

  const lines = registrationLines(registrations);
  if (args.dump) writeFileSync(args.dump, `${lines.join("\n")}\n`);
  const result: ChildResult = {
    mode: args.mode,
    variant: args.variant,
    n: args.n,
    wallMs,
    cpuMs: ms(cpu.user + cpu.system),
    cpuUserMs: ms(cpu.user),
    cpuSystemMs: ms(cpu.system),
    // maxRSS is in kilobytes.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB,
    startupMs,
    processWallMs: startupMs + wallMs,
    processCpuMs: ms(total.user + total.system),
    phases,
    resources: registrations.length,
    byType: countByType(registrations),
    fingerprint: fingerprintOf(lines),
  };
  writeFileSync(args.result, `${JSON.stringify(result, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
