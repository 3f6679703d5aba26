/**
 * Offline synth: `npm run synth -- --stack dev [--out DIR]`.
 *
 * Runs the real program under Pulumi's mocks with the config from `Pulumi.<stack>.yaml` and
 * writes, under DIR/<stack>/ (default out/): pipelines/<slug>.yml, plan.json and summary.md.
 * Bad config: exit code 1 and the config errors, nothing else.
 */
import * as path from "node:path";
import { ConfigErrors, REPO_ROOT, runStack } from "./synth/run";
import { writeSynth } from "./synth/write";

interface Args {
  stack: string;
  out: string;
  diff?: string;
}

function usage(): string {
  return "usage: npm run synth -- --stack STACK [--out DIR]";
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { stack: "dev", out: "out" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${usage()}`);
      return v;
    };
    if (a === "--stack" || a === "-s") args.stack = next();
    else if (a === "--out" || a === "-o") args.out = next();
    else if (a === "--diff") args.diff = next();
    else if (a === "--help" || a === "-h") {
      process.stdout.write(`${usage()}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${usage()}`);
  }
  return args;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  try {
    const run = await runStack({ stack: args.stack });
    const written = writeSynth(run, path.resolve(process.cwd(), args.out));
    process.stdout.write(`${written.summary}\n`);
    process.stdout.write(`Wrote ${written.files.length} files to ${path.relative(process.cwd(), written.dir) || "."}/\n`);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    const err = e as Error & { code?: string };
    if (err.code === "ENOENT") {
      process.stderr.write(`No stack file Pulumi.${args.stack}.yaml in ${path.relative(process.cwd(), REPO_ROOT) || "."}\n`);
      process.exit(1);
    }
    // A RunError from the program is a config problem too: print its message only.
    if (err.constructor?.name === "RunError" || (err as { __pulumiRunError?: boolean }).__pulumiRunError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`synth failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(3);
    },
  );
}
