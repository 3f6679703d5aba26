import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMMAND_STEP_KEY_ORDER, type CommandStep, type GroupStep } from "../../components/pipeline/document";
import type { ImageBuild, PipelineModel } from "../../components/pipeline/model";
import {
  renderPipeline,
  renderPipelineYaml,
  renderStoredSteps,
  UPLOAD_COMMAND,
} from "../../components/pipeline/render";
import { pipelineModelProblems } from "../../components/pipeline/validate";
import {
  conformanceTools,
  pipelineConformance,
  runStepCommand,
  SAMPLE_ENV,
  unescapedRuntimeVarsInYaml,
  validatePipelineYaml,
} from "../helpers/conformance";
import { ECR, image, model, SCENARIOS, single } from "./fixtures";

const tools = conformanceTools();
const stepOf = (m: PipelineModel): CommandStep => renderPipeline(m).steps[0] as CommandStep;

describe("renderPipeline structure", () => {
  it("one image: one top-level command step, no group", () => {
    const doc = renderPipeline(model());
    expect(doc.steps).toHaveLength(1);
    expect("group" in doc.steps[0]).toBe(false);
    expect((doc.steps[0] as CommandStep).label).toBe(":docker: api");
  });

  it("several images: one group with one command step each, in model order", () => {
    const doc = renderPipeline(SCENARIOS["multi-image group"]);
    const g = doc.steps[0] as GroupStep;
    expect(Object.keys(g)).toEqual(["group", "key", "steps"]);
    expect(g.steps.map((s) => s.key)).toEqual(["base", "api", "worker"]);
  });

  it("omits optional keys instead of writing empty values", () => {
    const s = stepOf(model());
    expect(Object.keys(s)).toEqual(["label", "key", "agents", "timeout_in_minutes", "retry", "env", "command"]);
    const ordered = Object.keys(s).map((k) => COMMAND_STEP_KEY_ORDER.indexOf(k as (typeof COMMAND_STEP_KEY_ORDER)[number]));
    expect([...ordered].sort((a, b) => a - b)).toEqual(ordered);
  });

  it("is deterministic: map insertion order does not change the YAML", () => {
    const a = single({ buildArgs: { A: "1", B: "2" }, labels: { x: "1", y: "2" }, env: { P: "1", Q: "2" } });
    const b = single({ buildArgs: { B: "2", A: "1" }, labels: { y: "2", x: "1" }, env: { Q: "2", P: "1" } });
    expect(renderPipelineYaml(a)).toBe(renderPipelineYaml(b));
    expect(renderPipelineYaml(a)).toBe(renderPipelineYaml(a));
  });

  it("quotes values YAML 1.1 readers would turn into booleans or numbers", () => {
    const y = renderPipelineYaml(single({ env: { A: "yes", B: "on", C: "0755", D: "1e3" } }));
    expect(y).toContain('A: "yes"');
    expect(y).toContain('B: "on"');
    expect(y).toContain('C: "0755"');
    expect(y).toContain('D: "1e3"');
  });

  it("escapes literal $ in every value, and labels, env and groups keep their text for the agent", () => {
    const s = stepOf(single({ label: "cost $5", env: { PRICE: "$5", TPL: "${X}" }, concurrency: { limit: 2, group: "g-$x" } }));
    expect(s.label).toBe("cost $$5");
    expect(s.env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz", PRICE: "$$5", TPL: "$${X}" });
    expect(s.concurrency_group).toBe("g-$$x");
  });

  it("secrets: map form only with the buildkite backend", () => {
    expect(stepOf(SCENARIOS["2a token from buildkite secrets"]).secrets).toEqual({ DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" });
    expect(stepOf(SCENARIOS["2b token from environment hook"]).secrets).toBeUndefined();
  });

  it("DEPOT_DEBUG_OIDC only for OIDC with debugOidc", () => {
    expect(stepOf(model({ debugOidc: true })).env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz", DEPOT_DEBUG_OIDC: "1" });
    expect(stepOf(model({ debugOidc: true, auth: "project-token" })).env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz" });
  });

  it("no plugins when the image pushes nowhere that needs a login", () => {
    const m = model({
      dockerhub: { username: "acme", passwordEnv: "DOCKERHUB_TOKEN" },
      ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] },
    });
    expect(stepOf(m).plugins).toBeUndefined();
    expect(stepOf({ ...m, images: [image({ destinations: [ECR] })] }).plugins).toEqual([
      { "ecr#v2.12.0": { login: true, "account-ids": ["123456789012"], region: "eu-west-1" } },
    ]);
  });

  it("per-image queue overrides the pipeline queue", () => {
    expect(stepOf(single({ queue: "arm" })).agents).toEqual({ queue: "arm" });
    expect(stepOf(model()).agents).toEqual({ queue: "default" });
  });
});

describe("model validation", () => {
  const base = model();
  it.each<[string, PipelineModel, string]>([
    ["bad key", single({ key: "a b" }), '[images[0].key] "a b" is not a valid step key'],
    ["uuid key", single({ key: "0190e8f0-1234-4abc-8def-0123456789ab" }), "is not a valid step key"],
    ["duplicate key", model({ images: [image(), image()] }), '[images[1].key] "api" is used twice'],
    ["group key", model({ images: [image({ key: "images" }), image({ key: "b" })] }), '"images" is the key of the images group'],
    ["unknown dependency", single({ dependsOn: ["db"] }), '[images[0].dependsOn] unknown image key "db"'],
    ["self dependency", single({ dependsOn: ["api"] }), 'depends on itself'],
    [
      "cycle",
      model({ images: [image({ key: "a", dependsOn: ["b"] }), image({ key: "b", dependsOn: ["a"] })] }),
      "[images.dependsOn] cycle: a -> b -> a",
    ],
    ["unpinned cli", model({ cli: { version: "latest", install: "script" } }), '[cli.version] "latest" must be a pinned version'],
    [
      "token to oidc",
      model({ secretsBackend: "buildkite", secretEnv: { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" } }),
      "[secretEnv] must not deliver DEPOT_TOKEN to an OIDC pipeline",
    ],
    [
      "buildkite token mode without token secret",
      model({ auth: "project-token", secretsBackend: "buildkite", secretEnv: {} }),
      "[secretEnv] needs DEPOT_TOKEN for project-token authentication with the buildkite secrets backend",
    ],
    ["secretEnv with hook", model({ secretEnv: { X: "Y" } }), "[secretEnv] is only used with the buildkite secrets backend (backend is hook)"],
    ["bk-prefixed secret key", model({ secretsBackend: "buildkite", secretEnv: { X: "BUILDKITE_X" } }), '[secretEnv.X] "BUILDKITE_X" is not a valid Buildkite secret key'],
    ["token in env", single({ env: { DEPOT_TOKEN: "x" } }), "[images[0].env] must not set DEPOT_TOKEN"],
    ["push registry creds in env", single({ env: { DEPOT_PUSH_REGISTRY_PASSWORD: "x" } }), "must not set DEPOT_PUSH_REGISTRY_PASSWORD"],
    ["unknown tag variable", single({ tags: ["{sha}"] }), "unknown variable {sha}"],
    ["empty branches", single({ branches: [] }), "[images[0].branches] is empty"],
    ["branch with space", single({ branches: ["a b"] }), 'pattern "a b" must be non-empty and contain no spaces'],
    ["concurrency 0", single({ concurrency: { limit: 0, group: "g" } }), "[images[0].concurrency.limit] must be a whole number >= 1 (got 0)"],
    ["timeout 0", single({ timeoutInMinutes: 0 }), "[images[0].timeoutInMinutes]"],
    ["no images", model({ images: [] }), "[images] must contain at least one image"],
    ["bad role", model({ ecr: { mode: "oidc", roleArn: "role", sessionTags: [], region: "eu-west-1", accountIds: ["123456789012"] } }), '[ecr.roleArn] "role" is not an IAM role ARN'],
    ["bad account", model({ ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123"] } }), '[ecr.accountIds] "123" is not a 12-digit AWS account id'],
    ["tagged destination", single({ destinations: [{ ...ECR, repository: `${ECR.repository}:v1` }] }), "must be an image repository without tag or digest"],
    ["bad local name", single({ load: true, localName: "Api" }), '[images[0].localName] "Api" is not a valid image name'],
  ])("%s", (_name, m, message) => {
    expect(pipelineModelProblems(m).join("\n")).toContain(message);
    expect(() => renderPipeline(m)).toThrow(message);
  });

  it("collects every problem into one error", () => {
    const m = model({ slug: "Web App", images: [image({ key: "a b", timeoutInMinutes: 0 })] });
    expect(() => renderPipeline(m)).toThrow(
      'Invalid pipeline model for "Web App":\n  - [slug] "Web App" is not a Buildkite pipeline slug\n  - [images[0].key] "a b" is not a valid step key',
    );
    expect(pipelineModelProblems(m)).toHaveLength(3);
    expect(pipelineModelProblems(base)).toEqual([]);
  });

  it("accepts a registry with a port", () => {
    expect(pipelineModelProblems(single({ destinations: [{ kind: "ecr", ref: "x", repository: "localhost:5000/api" }] }))).toEqual([]);
  });

  it("rejects a plain value Buildkite cannot store (backslash before $)", () => {
    expect(() => renderPipeline(single({ env: { X: "a\\$b" } }))).toThrow('[steps[0].env.X] contains a backslash directly before "$"');
  });
});

describe("renderStoredSteps", () => {
  const full = renderPipelineYaml(SCENARIOS["1a oidc"]);
  it("managed: the full YAML", () => {
    expect(renderStoredSteps("managed", full)).toBe(full);
  });

  it("repository: one upload step without any $", () => {
    const stored = renderStoredSteps("repository", full);
    expect(stored).toBe(`steps:\n  - label: ":pipeline: Upload"\n    command: ${UPLOAD_COMMAND}\n`);
    expect(stored).not.toContain("$");
    expect(renderStoredSteps("repository", full, { queue: "uploaders" })).toBe(
      'steps:\n  - label: ":pipeline: Upload"\n    agents:\n      queue: uploaders\n    command: buildkite-agent pipeline upload\n',
    );
    expect(() => renderStoredSteps("repository", full, { queue: "$Q" })).toThrow("is not a valid queue");
  });

  it.skipIf(!tools.schema)("both validate against the schema", () => {
    expect(validatePipelineYaml(renderStoredSteps("repository", full))).toEqual([]);
    expect(validatePipelineYaml(renderStoredSteps("managed", full))).toEqual([]);
    // The full YAML in the application repository goes through `pipeline upload`.
    expect(validatePipelineYaml(full, { stored: false })).toEqual([]);
  });
});

describe("what the step does when it runs (bash, fake depot)", () => {
  it("OIDC: a DEPOT_TOKEN delivered by a hook is unset with a warning, depot never sees it", async () => {
    const run = await runStepCommand({ ...stepOf(model({ debugOidc: true })) }, { env: { DEPOT_TOKEN: "canary-token", DEPOT_API_TOKEN: "canary-2" } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("WARNING: DEPOT_TOKEN or DEPOT_API_TOKEN is set for this job");
    expect(run.calls[0].env.DEPOT_TOKEN).toBeUndefined();
    expect(run.calls[0].env.DEPOT_API_TOKEN).toBeUndefined();
    expect(run.calls[0].env.DEPOT_PROJECT_ID).toBe("abc123xyz");
    expect(run.calls[0].env.DEPOT_DEBUG_OIDC).toBe("1");
    expect(run.calls[0].env.XDG_CONFIG_HOME).toBeUndefined();
  });

  it("OIDC: a stored `depot login` token is hidden behind an empty XDG_CONFIG_HOME", async () => {
    const run = await runStepCommand({ ...stepOf(model()) }, { storedDepotLogin: true, env: { DEPOT_TOKEN: null } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("holds a token from 'depot login' on this agent");
    const xdg = run.calls[0].env.XDG_CONFIG_HOME;
    expect(xdg).toBeDefined();
    expect(xdg).not.toContain(run.home);
    expect(run.stderr).not.toContain("DEPOT_TOKEN or DEPOT_API_TOKEN is set");
  });

  it("OIDC without any token: silent", async () => {
    const run = await runStepCommand({ ...stepOf(model()) }, { env: { DEPOT_TOKEN: null } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
  });

  it("token modes: fail fast with a clear message when DEPOT_TOKEN is empty", async () => {
    const run = await runStepCommand({ ...stepOf(SCENARIOS["2a token from buildkite secrets"]) }, { env: { DEPOT_TOKEN: "" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      "ERROR: DEPOT_TOKEN is empty. Pipeline web-app authenticates to Depot with a project token, expected from the Buildkite cluster secret DEPOT_TOKEN_WEB_APP (read through the secrets: attribute of this step, agent >= 3.106).",
    );
    expect(run.calls).toEqual([]);
  });

  it("token modes: depot receives DEPOT_TOKEN from the environment, never on argv", async () => {
    const run = await runStepCommand({ ...stepOf(SCENARIOS["1b project token"]) }, { env: { DEPOT_TOKEN: "canary-token" } });
    expect(run.code).toBe(0);
    expect(run.calls[0].env.DEPOT_TOKEN).toBe("canary-token");
    expect(run.calls[0].argv.join(" ")).not.toContain("canary-token");
  });

  it("pinned install: installs 2.102.12 into a per-agent dir when depot on PATH is another version", async () => {
    const run = await runStepCommand({ ...stepOf(model()) }, { depotOnPath: "2.50.0" });
    expect(run.code).toBe(0);
    const dir = `${run.home}/.buildkite-depot/agent-1/cli-2.102.12`;
    expect(run.curl).toEqual(["-fsSL https://depot.dev/install-cli.sh"]);
    expect(run.installs).toEqual([{ version: "2.102.12", dir }]);
    expect(run.calls[0].binary).toBe(`${dir}/depot`);
  });

  it("pinned install: installs when no depot is on PATH", async () => {
    const run = await runStepCommand({ ...stepOf(model()) }, { depotOnPath: null });
    expect(run.code).toBe(0);
    expect(run.installs.map((i) => i.version)).toEqual(["2.102.12"]);
  });

  it("pinned install: skips the download when depot already reports the pinned version", async () => {
    const run = await runStepCommand({ ...stepOf(model()) }, { depotOnPath: "2.102.12" });
    expect(run.code).toBe(0);
    expect(run.curl).toEqual([]);
    expect(run.installs).toEqual([]);
  });

  it("preinstalled: fails clearly when depot is missing, never downloads", async () => {
    const m = SCENARIOS["3b preinstalled cli"];
    const missing = await runStepCommand({ ...stepOf(m) }, { depotOnPath: null });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("ERROR: the depot CLI is not on PATH");
    const ok = await runStepCommand({ ...stepOf(m) }, { depotOnPath: "2.90.0" });
    expect(ok.code).toBe(0);
    expect(ok.curl).toEqual([]);
  });

  it("{tag}: fails clearly on a build that is not for a git tag", async () => {
    const step = stepOf(SCENARIOS["concurrency and branch filter"]);
    const untagged = await runStepCommand({ ...step }, { env: { BUILDKITE_TAG: "" } });
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toContain("uses {tag} in a tag, build arg or label, but this build is not for a git tag");
    const tagged = await runStepCommand({ ...step }, { env: { BUILDKITE_TAG: "v9.9.9" } });
    expect(tagged.calls[0].argv).toContain(`${ECR.repository}:v9.9.9`);
  });
});

describe("variables in build-arg and label values", () => {
  const valued = model({
    images: [
      image({
        key: "api",
        tags: ["latest"],
        destinations: [ECR],
        buildArgs: { GIT_SHA: "{commit}", VERSION: "{short_commit}-{build_number}", JSON: '{"a":{"b":1}}', LITERAL: "{nope} $HOME" },
        labels: { "org.opencontainers.image.revision": "{commit}", "org.opencontainers.image.ref.name": "{branch}" },
      }),
    ],
  });
  const step = stepOf(valued);
  const valueOf = (argv: string[], flagName: string, key: string) =>
    argv.filter((a, i) => argv[i - 1] === flagName && a.startsWith(`${key}=`)).map((a) => a.slice(key.length + 1));

  it("expand known {variables} at run time, and keep everything else literal", async () => {
    const sha = "89abcdef0123456789abcdef0123456789abcdef";
    const r = await runStepCommand({ ...step }, { env: { BUILDKITE_COMMIT: sha, BUILDKITE_BUILD_NUMBER: "7", BUILDKITE_BRANCH: "feature/x y" } });
    expect(r.code, r.stderr).toBe(0);
    const argv = r.calls[0].argv;
    expect(valueOf(argv, "--build-arg", "GIT_SHA")).toEqual([sha]);
    expect(valueOf(argv, "--build-arg", "VERSION")).toEqual(["89abcde-7"]);
    expect(valueOf(argv, "--build-arg", "JSON")).toEqual(['{"a":{"b":1}}']);
    expect(valueOf(argv, "--build-arg", "LITERAL")).toEqual(["{nope} $HOME"]);
    expect(valueOf(argv, "--label", "org.opencontainers.image.revision")).toEqual([sha]);
    // In a value, {branch} is the branch as it is (not the tag-safe form).
    expect(valueOf(argv, "--label", "org.opencontainers.image.ref.name")).toEqual(["feature/x y"]);
  });

  it("resolve {commit} from the checkout for a build started for HEAD, even when no tag uses it", async () => {
    const r = await runStepCommand({ ...step }, { env: { BUILDKITE_COMMIT: "HEAD" }, gitCheckout: true });
    expect(r.code, r.stderr).toBe(0);
    expect(valueOf(r.calls[0].argv, "--build-arg", "GIT_SHA")).toEqual([r.headSha]);
  });

  it("are stored as runtime references that Buildkite leaves alone", () => {
    expect(step.command).toContain('"GIT_SHA=$${DEPOT_BK_COMMIT}"');
    expect(step.command).toContain("'LITERAL={nope} $$HOME'");
    expect(unescapedRuntimeVarsInYaml(renderPipelineYaml(valued))).toEqual([]);
  });

  it("with a backslash right before $ or a {variable}: the rendered step quotes it correctly", async () => {
    const m = model({ images: [image({ key: "api", buildArgs: { D: "a\\{commit}", G: "lit\\$x" } })] });
    expect(pipelineModelProblems(m)).toEqual([]);
    const r = await runStepCommand({ ...stepOf(m) });
    expect(r.code, r.stderr).toBe(0);
    expect(valueOf(r.calls[0].argv, "--build-arg", "D")).toEqual([`a\\${SAMPLE_ENV.BUILDKITE_COMMIT}`]);
    expect(valueOf(r.calls[0].argv, "--build-arg", "G")).toEqual(["lit\\$x"]);
    expect(unescapedRuntimeVarsInYaml(renderPipelineYaml(m))).toEqual([]);
  });

  it("{tag} in a value needs a build for a git tag, as in a tag", async () => {
    const tagged = stepOf(model({ images: [image({ key: "api", buildArgs: { VERSION: "{tag}" } })] }));
    const r = await runStepCommand({ ...tagged }, { env: { BUILDKITE_TAG: "" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("uses {tag} in a tag, build arg or label, but this build is not for a git tag");
  });
});

describe("commands after the build (e.g. testing a loaded image)", () => {
  const loaded = model({
    images: [image({ key: "api-test", tags: ["test"], load: true, localName: "api", commands: ['echo "testing api:test in build $BUILDKITE_BUILD_NUMBER"', "test -n \"$HOME\""] })],
  });
  const step = stepOf(loaded);

  it("run in the same job, after depot build, in order, with runtime variables expanded then", async () => {
    const r = await runStepCommand({ ...step });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.argv)).toEqual([["build", "--project", "abc123xyz", "-t", "api:test", "--load", "."]]);
    const out = r.stdout.split("\n");
    const built = out.indexOf("+++ :depot: depot build api-test");
    const after = out.indexOf("+++ :docker: api-test: commands after the build");
    expect(built).toBeGreaterThanOrEqual(0);
    expect(after).toBeGreaterThan(built);
    expect(out[after + 1]).toBe("testing api:test in build 42");
  });

  it("are stored escaped, so Buildkite leaves $VAR to the job's shell", () => {
    expect(step.command).toContain('echo "testing api:test in build $$BUILDKITE_BUILD_NUMBER"');
    expect(unescapedRuntimeVarsInYaml(renderPipelineYaml(loaded))).toEqual([]);
  });

  it("fail the step when one fails", async () => {
    const failing = stepOf(model({ images: [image({ key: "api-test", tags: ["test"], load: true, commands: ["false", "echo never"] })] }));
    const r = await runStepCommand({ ...failing });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("never");
  });

  it("cannot hold a backslash right before $ (Buildkite would read it as an escape), and say where", () => {
    expect(pipelineModelProblems(model({ images: [image({ key: "api", commands: ["echo ok", 'echo "cost: \\$5"'] })] }))).toEqual([
      `[images[0].commands[1]] has a backslash right before "$", which Buildkite reads as an escape when it stores the step; for a literal "$", use single quotes: echo 'cost: $5'`,
    ]);
    expect(pipelineModelProblems(model({ images: [image({ key: "api", commands: ["printf '%s\\\\' \"$HOME\""] })] }))).toEqual([]);
  });

  it("must not be blank", () => {
    expect(pipelineModelProblems(model({ images: [image({ key: "api", commands: ["docker run api", "  "] })] }))).toEqual(["[images[0].commands[1]] must not be empty"]);
  });
});

describe("{commit} and {short_commit} tags are the SHA being built", () => {
  const tagged = model({ images: [image({ key: "api", tags: ["{short_commit}", "c-{commit}"], destinations: [ECR] })] });
  const step = stepOf(tagged);
  const tagsOf = (argv: string[]) => argv.filter((_, i) => argv[i - 1] === "-t");

  it("a full-SHA BUILDKITE_COMMIT is used as it is, without asking git", async () => {
    const sha = "89abcdef0123456789abcdef0123456789abcdef";
    const r = await runStepCommand({ ...step }, { env: { BUILDKITE_COMMIT: sha } });
    expect(r.code, r.stderr).toBe(0);
    expect(tagsOf(r.calls[0].argv)).toEqual([`${ECR.repository}:89abcde`, `${ECR.repository}:c-${sha}`]);
  });

  it.each([
    ["HEAD (a build started from the dashboard)", "HEAD"],
    ["a short SHA", "89abcde"],
    ["an upper-case SHA", "89ABCDEF0123456789ABCDEF0123456789ABCDEF"],
    ["empty", ""],
    ["unset", null],
  ])("BUILDKITE_COMMIT %s: tagged with the checkout's SHA", async (_what, commit) => {
    const r = await runStepCommand({ ...step }, { env: { BUILDKITE_COMMIT: commit }, gitCheckout: true });
    expect(r.code, r.stderr).toBe(0);
    const sha = r.headSha as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(tagsOf(r.calls[0].argv)).toEqual([`${ECR.repository}:${sha.slice(0, 7)}`, `${ECR.repository}:c-${sha}`]);
  });

  it("fails clearly, before depot runs, when the commit is not a SHA and there is no checkout", async () => {
    // GIT_DIR pointing nowhere: no checkout, even if the temporary directory is inside a git work tree.
    const r = await runStepCommand({ ...step }, { env: { BUILDKITE_COMMIT: "HEAD", GIT_DIR: "/nonexistent/.git" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ERROR: BUILDKITE_COMMIT is not a commit SHA and git rev-parse HEAD failed");
    expect(r.calls).toEqual([]);
  });

  it("a pipeline whose tags use no commit computes none", () => {
    const plain = stepOf(model({ images: [image({ key: "api", tags: ["latest"], destinations: [ECR] })] }));
    expect(JSON.stringify(plain.command)).not.toContain("DEPOT_BK_COMMIT");
    expect(JSON.stringify(step.command)).toContain("DEPOT_BK_COMMIT");
  });
});

describe("property: any valid model renders conforming YAML", () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
  const literal = fc
    .string({ unit: fc.constantFrom("a", "$", "\\", "'", '"', "`", "{", "}", " ", "!", "-", "=", "é", "#", ":") , maxLength: 12 })
    .filter((s) => !/(^|[^\\])(\\\\)*\\\$/.test(s));
  const tag = fc.constantFrom("latest", "{short_commit}", "{commit}", "b-{branch}", "n{build_number}", "v-{branch}-{short_commit}");
  const imageArb = fc.record({
    key,
    platforms: fc.subarray(["linux/amd64", "linux/arm64"] as ("linux/amd64" | "linux/arm64")[]),
    buildArgs: fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), literal, { maxKeys: 3 }),
    labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z.]{0,8}$/), literal, { maxKeys: 2 }),
    env: fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/).filter((n) => !n.startsWith("DEPOT")), literal, { maxKeys: 2 }),
    tags: fc.uniqueArray(tag, { maxLength: 3 }),
    push: fc.boolean(),
    load: fc.boolean(),
    context: fc.constantFrom(".", "services/api", "dir with space"),
  });
  const modelArb = fc
    .record({
      auth: fc.constantFrom("oidc" as const, "project-token" as const, "user-token" as const),
      install: fc.constantFrom("script" as const, "preinstalled" as const),
      images: fc.uniqueArray(imageArb, { minLength: 1, maxLength: 3, selector: (i) => i.key }),
    })
    .map(({ auth, install, images }) =>
      model({
        auth,
        cli: { version: "2.102.12", install },
        ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] },
        images: images.map(
          (i): ImageBuild =>
            image({
              key: i.key,
              platforms: i.platforms,
              buildArgs: i.buildArgs,
              labels: i.labels,
              env: i.env,
              tags: i.tags,
              destinations: i.push ? [ECR] : [],
              load: i.load,
              context: i.context,
            }),
        ),
      }),
    );

  it.skipIf(!tools.schema)("schema-valid, parses back, no unescaped $ (300 models)", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const yaml = renderPipelineYaml(m);
        expect(validatePipelineYaml(yaml)).toEqual([]);
        expect(unescapedRuntimeVarsInYaml(yaml)).toEqual([]);
        expect(parse(yaml, { version: "1.1" })).toEqual(JSON.parse(JSON.stringify(renderPipeline(m))));
      }),
      { numRuns: 300 },
    );
  });

  it.skipIf(!(tools.schema && tools.depot && tools.shellcheck))("full conformance on a sample (shellcheck, bash, real depot CLI)", async () => {
    for (const m of fc.sample(modelArb, { numRuns: 12, seed: 1234 })) {
      expect(await pipelineConformance(renderPipelineYaml(m))).toEqual([]);
    }
  });
});
