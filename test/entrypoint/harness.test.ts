/**
 * The cmd/run harness itself: a fixture project (test/fixtures/cmdrun-program) started through
 * @pulumi/pulumi's own `cmd/run`, as `pulumi up` starts a program, against the local monitor.
 *
 * Set CMDRUN_VERIFY_HANG=1 to also prove the Node 20 `util.inspect` hang that the preload fixes
 * (that test takes 30-50 s).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CMD_RUN,
  findRegistration,
  formatLogs,
  makeTempProject,
  readProject,
  readStackConfig,
  resolveConfig,
  runViaCmdRun,
  shellSplit,
  tree,
  type CmdRunOptions,
  type CmdRunResult,
} from "../helpers/cmd-run";
import { decodeProperties, secret, SECRET_SIG, SIG_KEY, UNKNOWN } from "../helpers/local-monitor";

const FIXTURE = path.resolve(__dirname, "..", "fixtures", "cmdrun-program");
const CANARY = "canary-7f3a9c2e-token";
const STACK_URN = "urn:pulumi:test::cmdrun-fixture::pulumi:pulumi:Stack::cmdrun-fixture-test";
const WIDGET_URN = "urn:pulumi:test::cmdrun-fixture::fixture:index:Widget::main";
const THING_URN = "urn:pulumi:test::cmdrun-fixture::fixture:index:Widget$fixture:index/thing:Thing::main-thing";

const timings: string[] = [];

function run(label: string, extra: Partial<CmdRunOptions> = {}): Promise<CmdRunResult> {
  return runViaCmdRun({
    projectDir: FIXTURE,
    stack: "test",
    config: { size: "3", token: CANARY },
    secretKeys: ["token"],
    timeoutMs: 90_000,
    ...extra,
  }).then((r) => {
    timings.push(`${label}: ${r.durationMs} ms (exit ${r.exitCode})`);
    return r;
  });
}

/** Every failure message should carry the logs: that is where the program's errors are. */
function explain(r: CmdRunResult): string {
  return `exit ${r.exitCode}\n${formatLogs(r.logs.filter((l) => l.severity !== "debug"))}\nstderr: ${r.stderr}`;
}

afterAll(() => {
  console.info(`cmd/run timings:\n  ${timings.join("\n  ")}`);
});

describe("Pulumi.yaml translation (what the language host does)", () => {
  it("runs main's directory as --pwd with the file name as entry, TypeScript on by default", () => {
    const p = readProject(FIXTURE);
    expect(p).toMatchObject({
      name: "cmdrun-fixture",
      runtime: "nodejs",
      typescript: true,
      pwd: path.join(FIXTURE, "src"),
      entry: "index.ts",
      nodeargs: [],
    });
    expect(p.tsconfig).toBeUndefined();
    expect(p.config["cmdrun-fixture:greeting"]).toEqual({ type: "string", default: "hello" });
  });

  it("applies Pulumi.yaml defaults and refuses what the CLI refuses", () => {
    const p = readProject(FIXTURE);
    expect(resolveConfig(p, { size: "3", token: "t" }, ["token"], "test", true)).toEqual({
      values: { "cmdrun-fixture:size": "3", "cmdrun-fixture:token": "t", "cmdrun-fixture:greeting": "hello" },
      secretKeys: ["cmdrun-fixture:token"],
    });
    expect(() => resolveConfig(p, { token: "t" }, ["token"], "test", true)).toThrow(/missing configuration value\(s\): cmdrun-fixture:size/);
    expect(() => resolveConfig(p, { size: "3", token: "t" }, [], "test", true)).toThrow(/cmdrun-fixture:token must be encrypted/);
    expect(() => resolveConfig(p, { size: "three", token: "t" }, ["token"], "test", true)).toThrow(
      /cmdrun-fixture:size must be of type 'integer'/,
    );
  });

  it("splits nodeargs like a shell", () => {
    expect(shellSplit(`--max-old-space-size=4096 --import "a b" 'c d' e\\ f`)).toEqual(["--max-old-space-size=4096", "--import", "a b", "c d", "e f"]);
  });

  it("reads a stack file: namespaces keys, JSON for objects, secure values marked secret", () => {
    const t = makeTempProject(FIXTURE, {
      "Pulumi.dev.yaml": [
        "config:",
        "  cmdrun-fixture:size: 4",
        "  greeting: hi",
        "  aws:region: eu-west-1",
        "  token:",
        "    secure: v1:AAAA",
        "  nested:",
        "    list: [1, 2]",
        "    key:",
        "      secure: v1:BBBB",
      ].join("\n"),
    });
    try {
      const sc = readStackConfig(t.dir, "dev", { "cmdrun-fixture:token": "plain-token" });
      expect(sc.config).toEqual({
        "cmdrun-fixture:size": "4",
        "cmdrun-fixture:greeting": "hi",
        "aws:region": "eu-west-1",
        "cmdrun-fixture:token": "plain-token",
        "cmdrun-fixture:nested": JSON.stringify({ list: [1, 2], key: "<secure:cmdrun-fixture:nested.key>" }),
      });
      expect(sc.secretKeys).toEqual(["cmdrun-fixture:token", "cmdrun-fixture:nested"]);
      expect(sc.placeholders).toEqual(["cmdrun-fixture:nested.key"]);
    } finally {
      t.cleanup();
    }
  });
});

describe("wire decoding", () => {
  it("unwraps secrets, keeps unknowns and resource references visible", () => {
    const d = decodeProperties({
      a: secret("s"),
      b: { c: [1, secret({ d: true })], "x.y": UNKNOWN },
      r: { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:s::p::t::n", id: "i-1" },
    });
    expect(d.plain).toEqual({ a: "s", b: { c: [1, { d: true }], "x.y": UNKNOWN }, r: "i-1" });
    expect(d.secretPaths).toEqual(["a", "b.c[1]"]);
    expect(d.secretProperties).toEqual(["a", "b"]);
    expect(d.unknownPaths).toEqual(['b["x.y"]']);
    expect(d.resourceRefs).toEqual([{ path: "r", urn: "urn:pulumi:s::p::t::n", id: "i-1" }]);
  });
});

describe("a program started through @pulumi/pulumi/cmd/run", () => {
  it("uses the SDK's own entry point", () => {
    expect(fs.existsSync(path.join(CMD_RUN, "index.js"))).toBe(true);
  });

  it("registers exactly the expected resources, type-checked like pulumi up", async () => {
    const r = await run("update, type-checked");
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.shutdownSignaled).toBe(true);
    expect(r.errors).toEqual([]);

    expect(tree(r.registrations)).toEqual([
      "fixture:index/thing:Thing::main-thing <- fixture:index:Widget::main",
      "fixture:index:Widget::main <- pulumi:pulumi:Stack::cmdrun-fixture-test",
      "pulumi:pulumi:Stack::cmdrun-fixture-test",
    ]);

    const stack = findRegistration(r.registrations, "pulumi:pulumi:Stack", "cmdrun-fixture-test");
    expect(stack).toMatchObject({ urn: STACK_URN, parentUrn: "", custom: false, inputs: {} });
    expect(stack.parent).toBeUndefined();

    const widget = findRegistration(r.registrations, "fixture:index:Widget", "main");
    expect(widget).toMatchObject({
      urn: WIDGET_URN,
      custom: false,
      parentUrn: STACK_URN,
      parent: { type: "pulumi:pulumi:Stack", name: "cmdrun-fixture-test" },
      inputs: { size: 3 },
      secretPaths: [],
    });
    expect(widget.id).toBeUndefined();

    const thing = findRegistration(r.registrations, "fixture:index/thing:Thing", "main-thing");
    expect(thing).toMatchObject({
      urn: THING_URN,
      custom: true,
      parentUrn: WIDGET_URN,
      parent: { type: "fixture:index:Widget", name: "main" },
      provider: "",
      version: "",
      id: "main-thing-id",
    });
    // "hello" is the Pulumi.yaml default for greeting: project config was applied as the CLI does.
    expect(thing.inputs).toEqual({ size: 3, label: "hello-3", token: CANARY, tags: { stack: "test", token: CANARY } });
    expect([...thing.secretPaths].sort()).toEqual(["tags.token", "token"]);
    expect([...thing.secretProperties].sort()).toEqual(["tags", "token"]);

    // The component's registerOutputs and the stack outputs arrived.
    expect(widget.registeredOutputs?.plain).toEqual({ label: "hello-3" });
    expect(r.stackOutputs).toEqual({
      label: "hello-3",
      thingId: "main-thing-id",
      awsPartition: "aws",
      echoedToken: CANARY,
      nested: { size: 3, greeting: "hello" },
    });
    // thingArn was undefined: the SDK drops it and says so.
    expect(r.logs.some((l) => l.severity === "warning" && l.message.includes("thingArn"))).toBe(true);

    // The invoke went through the monitor and got the default answer.
    expect(r.invokes.map((i) => i.tok)).toEqual(["aws:index/getPartition:getPartition"]);

    // The environment the language host would have given it.
    expect(JSON.parse(r.command.env.PULUMI_CONFIG ?? "{}")).toEqual({
      "cmdrun-fixture:config:size": "3",
      "cmdrun-fixture:config:token": CANARY,
      "cmdrun-fixture:config:greeting": "hello",
    });
    expect(r.command.env.PULUMI_CONFIG_SECRET_KEYS).toBe('["cmdrun-fixture:token"]');
    expect(r.command.env.PULUMI_NODEJS_TYPESCRIPT).toBe("true");
    expect(r.command.env.PULUMI_NODEJS_TRANSPILE_ONLY).toBeUndefined();
  });

  it("delivers the secret config value as a secret input and a secret stack output, and logs it nowhere", async () => {
    const r = await run("update, transpile-only", { transpileOnly: true });
    expect(r.exitCode, explain(r)).toBe(0);
    const thing = findRegistration(r.registrations, "fixture:index/thing:Thing", "main-thing");
    expect(thing.wire.token).toEqual({ [SIG_KEY]: SECRET_SIG, value: CANARY });
    expect(thing.wire.label).toBe("hello-3");
    expect(r.stackOutputs.echoedToken).toBe(CANARY);
    expect(r.stackOutputSecretPaths).toEqual(["echoedToken"]);
    // Debug-severity lines are excluded on purpose: the SDK itself logs every RegisterResource
    // response at debug level ("RegisterResource RPC finished: ...; resp: ..."), secret values in
    // plain text included. The CLI shows those only with `--debug` / `-v`.
    for (const l of r.logs.filter((x) => x.severity !== "debug")) expect(l.message).not.toContain(CANARY);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
  });

  it("lets the monitor supply outputs (secret ones too) and answers previews with unknown ids", async () => {
    const r = await run("preview, transpile-only", {
      transpileOnly: true,
      dryRun: true,
      monitor: {
        onRegister: (req) =>
          req.type === "fixture:index/thing:Thing" ? { outputs: { arn: secret(`arn:fixture:thing/${req.name}`) } } : undefined,
      },
    });
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.command.args).toContain("--dry-run");
    expect(findRegistration(r.registrations, "fixture:index/thing:Thing", "main-thing").id).toBe("");
    expect(r.stackOutputs.thingArn).toBe("arn:fixture:thing/main-thing");
    expect(r.stackOutputs.thingId).toBe(UNKNOWN);
    expect(r.stackOutputsDecoded?.unknownPaths).toEqual(["thingId"]);
    expect([...r.stackOutputSecretPaths].sort()).toEqual(["echoedToken", "thingArn"]);
  });

  it("reports a TypeScript type error as TSError and exits non-zero, registering nothing", async () => {
    const index = fs.readFileSync(path.join(FIXTURE, "src", "index.ts"), "utf8");
    const t = makeTempProject(FIXTURE, {
      "src/index.ts": `${index}\nconst notANumber: number = "three";\nexport const n = notANumber;\n`,
    });
    try {
      const r = await run("type error", { projectDir: t.dir });
      expect(r.exitCode, explain(r)).toBe(32);
      expect(r.shutdownSignaled).toBe(false);
      expect(r.errors.join("\n")).toMatch(/TSError: ⨯ Unable to compile TypeScript:[\s\S]*index\.ts\(\d+,\d+\): error TS2322/);
      expect(tree(r.registrations)).toEqual(["pulumi:pulumi:Stack::cmdrun-fixture-test"]);
    } finally {
      t.cleanup();
    }
  });

  it("exits non-zero quickly on a RunError from bad config, with the message and no stack trace", async () => {
    const r = await run("RunError (program)", { config: { size: "0", token: CANARY }, transpileOnly: true });
    expect(r.exitCode, explain(r)).toBe(32);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(r.errors).toEqual(["cmdrun-fixture: size must be a positive integer, got 0"]);
    expect(r.errors.join("\n")).not.toMatch(/\n\s+at /);
  });

  it("exits quickly when the SDK itself throws (ConfigTypeError from config.requireNumber)", async () => {
    // The CLI would refuse "three" for a `type: integer` key before starting the program; skip
    // that check to reach the SDK's own error path (the one that used to hang for 30 s).
    const r = await run("RunError (SDK)", {
      config: { greeting: "hi", size: "three", token: CANARY },
      transpileOnly: true,
      projectConfig: false,
    });
    expect(r.exitCode, explain(r)).toBe(32);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(r.errors).toEqual(["Configuration 'cmdrun-fixture:size' value 'three' is not a valid number"]);
  });

  it("exits quickly when the engine refuses a registration", async () => {
    const r = await run("registration refused", {
      transpileOnly: true,
      monitor: {
        onRegister: (req) => {
          if (req.type === "fixture:index/thing:Thing") throw new Error("quota exceeded (injected)");
        },
      },
    });
    expect(r.exitCode, explain(r)).not.toBe(0);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(r.errors.join("\n")).toContain("failed to register new resource main-thing [fixture:index/thing:Thing]: 2 UNKNOWN: quota exceeded (injected)");
  });

  it("resolves runtime.options.tsconfig relative to main's directory, as pulumi up does", async () => {
    // main is src/index.ts, so the program runs in src/: `tsconfig: tsconfig.json` would look for
    // src/tsconfig.json (and silently fall back to ts-node's strict defaults); `../tsconfig.json` is
    // the project's. Prove it with a tsconfig that allows implicit any and code that needs it.
    const base = fs.readFileSync(path.join(FIXTURE, "Pulumi.yaml"), "utf8");
    const index = fs.readFileSync(path.join(FIXTURE, "src", "index.ts"), "utf8");
    const t = makeTempProject(FIXTURE, {
      "Pulumi.yaml": base.replace("typescript: true", "typescript: true\n    tsconfig: ../tsconfig.json"),
      "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, noImplicitAny: false } }),
      "src/index.ts": `${index}\nfunction ident(x) { return x; }\nexport const viaLooseTsconfig = ident(1);\n`,
    });
    try {
      const r = await run("tsconfig option", { projectDir: t.dir });
      expect(r.command.env.PULUMI_NODEJS_TSCONFIG_PATH).toBe("../tsconfig.json");
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stackOutputs.viaLooseTsconfig).toBe(1);
    } finally {
      t.cleanup();
    }
  });

  it.runIf(process.env.CMDRUN_VERIFY_HANG === "1")(
    "without the preload, the same refused registration takes 30-50 s on Node 20",
    async () => {
      const r = await run("registration refused, no preload", {
        transpileOnly: true,
        preload: false,
        monitor: {
          onRegister: (req) => {
            if (req.type === "fixture:index/thing:Thing") throw new Error("quota exceeded (injected)");
          },
        },
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.durationMs).toBeGreaterThan(15_000);
    },
    120_000,
  );
});
