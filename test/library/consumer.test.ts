/**
 * The library as another stack gets it: build, `npm pack`, install the tarball into a copy of
 * examples/consumer (its own package.json, tsconfig and Pulumi.yaml), type-check the consumer
 * with its own TypeScript, then run it under Pulumi's mocks in a separate process.
 *
 * Nothing here touches the repository's dist/ or node_modules: the build goes to a staging
 * directory, and the consumer installs from npm's cache (`--offline`), as CI has just filled it
 * with `npm ci`.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  files: string[];
  peerDependencies: Record<string, string>;
};
const TARBALL = `${PKG.name}-${PKG.version}.tgz`;

interface Created {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}
interface RunResult {
  created: Created[];
  calls: string[];
  outputs: Record<string, unknown>;
  sdkFromConsumer: string;
  sdkFromLibrary: string;
  depotSdkFromConsumer: string;
  libraryVersion: string;
}

let work: string;
let consumer: string;
let packed: string[] = [];
let packedName = "";
let result: RunResult;
const timings: Record<string, number> = {};

async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    timings[label] = Date.now() - start;
  }
}

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run("npm", args, { cwd, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${err.stderr ?? ""}\n${err.stdout ?? ""}\n${err.message}`);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "depot-buildkite-consumer-"));
  const stage = join(work, "stage");
  mkdirSync(stage);

  // 1. Build into a staging copy of the package (the repo's own dist/ stays untouched).
  await step("build", () => npm(["run", "build", "--", "--outDir", join(stage, "dist")], ROOT));
  for (const f of ["package.json", "PulumiPlugin.yaml", "README.md", "CHANGELOG.md", "LICENSE"]) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(stage, f));
  }
  // 2. Pack it (scripts off: it is already built). The tarball lands where the example expects it.
  const packJson = await step("pack", () => npm(["pack", stage, "--ignore-scripts", "--json", "--pack-destination", work], work));
  const [packInfo] = JSON.parse(packJson) as { filename: string; files: { path: string }[] }[];
  packed = packInfo.files.map((f) => f.path).sort();
  packedName = packInfo.filename;

  // 3. A copy of the example next to the tarball, as in the repository (file:../../<tarball>).
  consumer = join(work, "examples", "consumer");
  cpSync(join(ROOT, "examples", "consumer"), consumer, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|bin)([\\/]|$)/.test(src) && !src.endsWith("package-lock.json"),
  });
  await step("install", () => npm(["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], consumer));

  // 4. The consumer's own TypeScript type-checks and compiles it (tsconfig outDir: bin).
  await step("tsc", async () => {
    try {
      await run(process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", consumer], { cwd: consumer });
    } catch (e) {
      const err = e as { stdout?: string; message: string };
      throw new Error(`tsc failed for the consumer:\n${err.stdout ?? err.message}`);
    }
  });

  // 5. Run it under mocks in its own process, from inside the consumer (its node_modules only).
  cpSync(join(__dirname, "consumer-runner.cjs"), join(consumer, "consumer-runner.cjs"));
  const { stdout } = await step("run", () => run(process.execPath, [join(consumer, "consumer-runner.cjs"), consumer], { cwd: consumer, maxBuffer: 32 * 1024 * 1024 }));
  result = JSON.parse(stdout) as RunResult;
  writeFileSync(join(work, "timings.json"), JSON.stringify(timings));
  console.info(`consumer test timings (ms): ${JSON.stringify(timings)}`);
}, 300_000);

afterAll(() => {
  if (work && !process.env.KEEP_CONSUMER_TMP) rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("is the tarball examples/consumer/package.json depends on", () => {
    expect(packedName).toBe(TARBALL);
    const example = JSON.parse(readFileSync(join(ROOT, "examples", "consumer", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(example.dependencies[PKG.name]).toBe(`file:../../${TARBALL}`);
    expect(Object.keys(example.dependencies)).toEqual(expect.arrayContaining(Object.keys(PKG.peerDependencies)));
  });

  it("holds the compiled library with declarations, and no sources, tests or plugin manifest", () => {
    expect(packed).toContain("package.json");
    expect(packed).toContain("dist/components/index.js");
    expect(packed).toContain("dist/components/index.d.ts");
    expect(packed).toContain("dist/components/depot/provider.js");
    expect(packed.filter((f) => !f.startsWith("dist/components/"))).toEqual(
      ["package.json", "README.md", "CHANGELOG.md", "LICENSE"].filter((f) => packed.includes(f)).sort(),
    );
    // The plugin needs the TypeScript sources and tsconfig.json to infer its schema, so it is
    // consumed from git (`pulumi package add <git url>@<tag>`), never from this tarball.
    expect(packed).not.toContain("PulumiPlugin.yaml");
    expect(packed.filter((f) => f.startsWith("dist/") && !/\.(js|d\.ts)$/.test(f))).toEqual([]);
    expect(packed.filter((f) => /(^|\/)(src|test|examples)\//.test(f))).toEqual([]);
  });
});

describe("examples/consumer against the packed package", () => {
  it("installs the tarball, with one copy of @pulumi/pulumi shared with the library", () => {
    expect(result.libraryVersion).toBe(PKG.version);
    expect(result.sdkFromConsumer.startsWith(consumer)).toBe(true);
    expect(result.sdkFromLibrary).toBe(result.sdkFromConsumer);
  });

  it("has @depot/sdk-node at the consumer's top level, where Depot's dynamic providers require it at deploy time", () => {
    expect(result.depotSdkFromConsumer).toBe(join(consumer, "node_modules", "@depot", "sdk-node", "dist", "index.js"));
  });

  it("registers exactly the components and children of one ECR pipeline", () => {
    expect(result.created.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        "depot-buildkite:index:EcrRepository::web",
        "aws:ecr/repository:Repository::web",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy::web-lifecycle",
        "depot-buildkite:index:BuildkiteOidcProvider::buildkite",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider::buildkite",
        "depot-buildkite:index:BuildkiteOidcRole::web-push",
        "aws:iam/role:Role::web-push",
        "aws:iam/rolePolicy:RolePolicy::web-push-push",
        "depot-buildkite:index:DepotImagePipeline::web",
        "buildkite:Pipeline/pipeline:Pipeline::web",
      ].sort(),
    );
    expect(result.created.filter((r) => r.type.startsWith("depot-buildkite:")).every((r) => r.custom === false)).toBe(true);
  });

  it("trusts only the consumer's pipeline on main, and stores steps that push to the new repository with the role", () => {
    const role = result.created.find((r) => r.type === "aws:iam/role:Role");
    const trust = JSON.parse(String(role?.inputs.assumeRolePolicy)) as { Statement: { Condition: Record<string, Record<string, unknown>> }[] };
    expect(trust.Statement[0].Condition.StringLike["agent.buildkite.com:sub"]).toEqual([
      "organization:acme:pipeline:web:ref:refs/heads/main:commit:*:step:*",
    ]);

    const pipeline = result.created.find((r) => r.type === "buildkite:Pipeline/pipeline:Pipeline");
    expect(pipeline?.inputs.slug).toBe("web");
    const steps = String(pipeline?.inputs.steps);
    expect(steps).toContain("role-arn: arn:aws:iam::123456789012:role/web-push");
    expect(steps).toContain("-t '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/web:latest'");
    expect(steps).toContain("--platform 'linux/amd64,linux/arm64'");
    expect(steps).toContain("--push");
    expect(result.outputs.pipelineYaml).toBe(steps);
    expect(result.outputs.repositoryUrl).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/web");
    expect(result.outputs.pipelineUrl).toBe("https://buildkite.com/acme/web");
  });

  it("installs no depot CLI: the conformance tests' binary is a test tool, not a dependency", () => {
    const installed = JSON.parse(readFileSync(join(consumer, "node_modules", "depot-buildkite", "package.json"), "utf8")) as Record<string, unknown>;
    expect(installed.optionalDependencies).toBeUndefined();
    expect(Object.keys(installed.dependencies as Record<string, string>).sort()).toEqual(["@depot/sdk-node", "yaml", "zod"]);
    expect(readdirSync(join(consumer, "node_modules", "@depot")).sort()).toEqual(["sdk-node"]);
  });

  it("peer dependencies are what the consumer installed, not bundled copies", () => {
    expect(Object.keys(PKG.peerDependencies).sort()).toEqual(["@pulumi/aws", "@pulumi/pulumi", "@pulumiverse/buildkite"]);
    for (const peer of Object.keys(PKG.peerDependencies)) {
      expect(existsSync(join(consumer, "node_modules", "depot-buildkite", "node_modules", peer))).toBe(false);
    }
  });
});
