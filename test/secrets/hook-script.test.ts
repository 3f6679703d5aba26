import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arnPartition, arnRegion, HookPipeline, renderEnvironmentHook } from "../../components/secrets/hook-script";
import { awsStub, onlyCommands, shellcheck, sourceInBash, writeTemp } from "./support";

const arn = (name: string, region = "eu-west-1") => `arn:aws:secretsmanager:${region}:123456789012:secret:buildkite/${name}-AbCdEf`;

/** Every value carries a unique canary so any leak into output is detectable. */
const VALUES = {
  webDepot: "CANARY_W1 a$b ${HOME} $(echo pwned) `id`",
  webHubUser: "CANARY_W2 it's \"double\" and 'single'",
  webHubToken: "CANARY_W3\nline2\n\n",
  apiDepot: "CANARY_A1   spaces \t back\\slash \\n -n",
};

const PIPELINES: HookPipeline[] = [
  {
    slug: "web-app",
    secrets: [
      { envName: "DEPOT_TOKEN", secretId: arn("web-app/DEPOT_TOKEN") },
      { envName: "DOCKERHUB_USERNAME", secretId: arn("web-app/DOCKERHUB_USERNAME") },
      { envName: "DOCKERHUB_TOKEN", secretId: arn("web-app/DOCKERHUB_TOKEN") },
    ],
  },
  {
    slug: "api",
    branches: ["main", "release/*"],
    stepKeys: ["build", "push:arm64"],
    secrets: [{ envName: "DEPOT_TOKEN", secretId: arn("api/DEPOT_TOKEN", "us-east-1") }],
  },
  { slug: "oidc-only", secrets: [] },
];

const SERVED: Record<string, string> = {
  [arn("web-app/DEPOT_TOKEN")]: VALUES.webDepot,
  [arn("web-app/DOCKERHUB_USERNAME")]: VALUES.webHubUser,
  [arn("web-app/DOCKERHUB_TOKEN")]: VALUES.webHubToken,
  [arn("api/DEPOT_TOKEN", "us-east-1")]: VALUES.apiDepot,
};

const HOOK = renderEnvironmentHook(PIPELINES);
const HOOK_PATH = writeTemp("environment", HOOK);

function run(env: Record<string, string>, failId?: string, xtrace = false) {
  const stub = awsStub(SERVED, failId);
  const r = sourceInBash(
    HOOK_PATH,
    { ...stub.env, ...env, PATH: `${stub.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    { xtrace },
  );
  return { ...r, calls: stub.calls(), regions: stub.regions() };
}

function expectNoCanary(text: string) {
  expect(text).not.toMatch(/CANARY_/);
}

describe("renderEnvironmentHook: text", () => {
  it("is shellcheck-clean", () => {
    expect(shellcheck(HOOK)).toEqual({ status: 0, output: "" });
    const empty = renderEnvironmentHook([{ slug: "oidc-only", secrets: [] }]);
    expect(empty).toContain("#   (none)\nset -euo pipefail\n\n# Nothing to export.\n");
    expect(shellcheck(empty)).toEqual({ status: 0, output: "" });
  });

  it("dispatches on the pipeline slug and gates branch and step key", () => {
    const dispatch = HOOK.slice(HOOK.indexOf('case "${BUILDKITE_PIPELINE_SLUG:-}" in'), HOOK.indexOf("unset -f"));
    expect(dispatch).toBe(
      [
        'case "${BUILDKITE_PIPELINE_SLUG:-}" in',
        "  'web-app')",
        "    if ! depot_buildkite_export_secrets \\",
        `      'DEPOT_TOKEN' '${arn("web-app/DEPOT_TOKEN")}' 'eu-west-1' \\`,
        `      'DOCKERHUB_USERNAME' '${arn("web-app/DOCKERHUB_USERNAME")}' 'eu-west-1' \\`,
        `      'DOCKERHUB_TOKEN' '${arn("web-app/DOCKERHUB_TOKEN")}' 'eu-west-1'; then`,
        "      exit 1",
        "    fi",
        "    ;;",
        "  'api')",
        '    case "${BUILDKITE_BRANCH:-}" in',
        "      'main' | 'release/'*)",
        '        case "${BUILDKITE_STEP_KEY:-}" in',
        "          'build' | 'push:arm64')",
        "            if ! depot_buildkite_export_secrets \\",
        `              'DEPOT_TOKEN' '${arn("api/DEPOT_TOKEN", "us-east-1")}' 'us-east-1'; then`,
        "              exit 1",
        "            fi",
        "            ;;",
        "        esac",
        "        ;;",
        "    esac",
        "    ;;",
        "esac",
        "",
        "",
      ].join("\n"),
    );
  });

  it("starts as a strict bash script, reads with the documented CLI call and lists what it exports", () => {
    expect(HOOK.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(HOOK).toContain("\nset -euo pipefail\n");
    expect(HOOK).toContain("aws secretsmanager get-secret-value");
    expect(HOOK).toContain('--secret-id "$secret_id" --query SecretString --output text');
    expect(HOOK).toContain("#   web-app: DEPOT_TOKEN, DOCKERHUB_USERNAME, DOCKERHUB_TOKEN\n#   api: DEPOT_TOKEN\n");
    expect(HOOK).not.toContain("oidc-only");
    expect(HOOK).not.toMatch(/\becho\b/);
  });

  it("parses ARNs", () => {
    expect(arnRegion(arn("x", "ap-south-1"))).toBe("ap-south-1");
    expect(arnPartition("arn:aws-cn:secretsmanager:cn-north-1:1:secret:x")).toBe("aws-cn");
    expect(arnRegion("buildkite/x")).toBeUndefined();
  });

  it("refuses invalid input", () => {
    expect(() =>
      renderEnvironmentHook([
        { slug: "a", secrets: [{ envName: "X", secretId: "s" }, { envName: "X", secretId: "t\n" }] },
        { slug: "a", stepKeys: [], secrets: [{ envName: "Y", secretId: "u", region: "EU WEST" }] },
      ]),
    ).toThrow(
      "renderEnvironmentHook: [pipelines[0].secrets[1].envName] duplicates X; " +
        "[pipelines[0].secrets[1].secretId] must be a non-empty id without control characters; " +
        '[pipelines[1].slug] duplicates pipeline "a"; ' +
        "[pipelines[1].stepKeys] must not be empty; omit it to remove the restriction; " +
        '[pipelines[1].secrets[0].region] must be an AWS region name (value: "EU WEST")',
    );
  });
});

describe("renderEnvironmentHook: executed under bash with a stub aws", () => {
  it("exports exactly the matching pipeline's variables, byte for byte", () => {
    const r = run({ BUILDKITE_PIPELINE_SLUG: "web-app" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
    expect(r.exported).toEqual({
      DEPOT_TOKEN: VALUES.webDepot,
      DOCKERHUB_USERNAME: VALUES.webHubUser,
      DOCKERHUB_TOKEN: VALUES.webHubToken,
    });
    expect(r.calls).toEqual([arn("web-app/DEPOT_TOKEN"), arn("web-app/DOCKERHUB_USERNAME"), arn("web-app/DOCKERHUB_TOKEN")]);
    expect(r.regions).toEqual(["eu-west-1", "eu-west-1", "eu-west-1"]);
  });

  it("gives other pipelines nothing and does not call AWS", () => {
    for (const slug of ["other", "web-app2", "web", "oidc-only", ""]) {
      const r = run({ BUILDKITE_PIPELINE_SLUG: slug });
      expect(r.status).toBe(0);
      expect(r.exported).toEqual({});
      expect(r.calls).toEqual([]);
    }
    // No BUILDKITE_PIPELINE_SLUG at all: still safe under `set -u`.
    expect(run({}).status).toBe(0);
  });

  it("honours branch and step key restrictions", () => {
    const ok = run({ BUILDKITE_PIPELINE_SLUG: "api", BUILDKITE_BRANCH: "release/2.0", BUILDKITE_STEP_KEY: "push:arm64" });
    expect(ok.exported).toEqual({ DEPOT_TOKEN: VALUES.apiDepot });
    expect(ok.regions).toEqual(["us-east-1"]);
    const denied: Record<string, string>[] = [
      { BUILDKITE_BRANCH: "main", BUILDKITE_STEP_KEY: "test" },
      { BUILDKITE_BRANCH: "feature/x", BUILDKITE_STEP_KEY: "build" },
      { BUILDKITE_BRANCH: "release", BUILDKITE_STEP_KEY: "build" },
      { BUILDKITE_BRANCH: "main" },
    ];
    for (const env of denied) {
      const r = run({ BUILDKITE_PIPELINE_SLUG: "api", ...env });
      expect(r.status).toBe(0);
      expect(r.exported).toEqual({});
      expect(r.calls).toEqual([]);
    }
  });

  it("fails with a message naming the secret, and exports nothing, when one read fails", () => {
    const failing = arn("web-app/DOCKERHUB_TOKEN");
    const r = run({ BUILDKITE_PIPELINE_SLUG: "web-app" }, failing);
    expect(r.status).toBe(1);
    expect(r.exported).toEqual({});
    expect(r.stderr).toContain(
      `depot-buildkite environment hook: could not read DOCKERHUB_TOKEN from AWS Secrets Manager secret ${failing}; ` +
        "exporting no secrets for pipeline web-app",
    );
    expect(r.stderr).toContain("AccessDeniedException");
    expectNoCanary(r.stdout + r.stderr);
    // The first two reads succeeded before the failure, yet nothing was exported.
    expect(r.calls).toEqual([arn("web-app/DEPOT_TOKEN"), arn("web-app/DOCKERHUB_USERNAME"), failing]);
  });

  it("fails when the aws CLI is missing", () => {
    const r = sourceInBash(HOOK_PATH, { BUILDKITE_PIPELINE_SLUG: "web-app", PATH: onlyCommands(["env"]) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("could not read DEPOT_TOKEN");
  });

  it("never prints a value, even when the caller traces with set -x, and restores tracing", () => {
    const r = run({ BUILDKITE_PIPELINE_SLUG: "web-app" }, undefined, true);
    expect(r.status).toBe(0);
    expect(r.exported.DEPOT_TOKEN).toBe(VALUES.webDepot);
    expectNoCanary(r.stdout + r.stderr);
    expect(r.flags).toContain("x");
    const quiet = run({ BUILDKITE_PIPELINE_SLUG: "web-app" });
    expect(quiet.flags).not.toContain("x");
  });

  it("preserves arbitrary values (property)", () => {
    const id = arn("p/DEPOT_TOKEN");
    const path = writeTemp("environment", renderEnvironmentHook([{ slug: "p", secrets: [{ envName: "DEPOT_TOKEN", secretId: id }] }]));
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 48 }).filter((s) => !s.includes("\u0000")), (v) => {
        const stub = awsStub({ [id]: v });
        const r = sourceInBash(path, {
          ...stub.env,
          BUILDKITE_PIPELINE_SLUG: "p",
          PATH: `${stub.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        });
        expect(r.exported).toEqual({ DEPOT_TOKEN: v });
      }),
      { numRuns: 30 },
    );
  });
});
