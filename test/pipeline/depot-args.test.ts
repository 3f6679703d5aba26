import { describe, expect, it } from "vitest";
import { defaultLocalName, depotBuildArgs } from "../../components/pipeline/depot-args";
import { renderPipeline } from "../../components/pipeline/render";
import type { CommandStep } from "../../components/pipeline/document";
import { checkDepotArgs, checkExpandedDepotArgs, depotBinary, runStepCommand, SAMPLE_ENV, substituteSamples } from "../helpers/conformance";
import { allFlagsImage, DOCKERHUB, ECR, image, model, SCENARIOS, single } from "./fixtures";

const depot = depotBinary();
const ECR_REPO = ECR.repository;

describe("depotBuildArgs", () => {
  it("renders every option, in a fixed order, context last", () => {
    const m = SCENARIOS["all depot flags"];
    expect(depotBuildArgs(m.images[0], m)).toEqual([
      "--project", "abc123xyz",
      "--file", "services/api/Dockerfile.prod",
      "--target", "runtime",
      "--build-arg", "NODE_ENV=production",
      "--build-arg", "QUOTED=it's a $$HOME \\$$x",
      "--build-arg", "VERSION=1.2.3",
      "--build-context", "base=docker-image://alpine:3.20",
      "--build-context", "shared=../shared",
      "--platform", "linux/amd64,linux/arm64",
      "-t", "docker.io/acme/api:latest",
      "-t", "docker.io/acme/api:$${DEPOT_BK_COMMIT:0:7}",
      "-t", "docker.io/acme/api:$${DEPOT_BK_COMMIT}",
      "-t", "docker.io/acme/api:build-$${BUILDKITE_BUILD_NUMBER}",
      "-t", "docker.io/acme/api:br-$${DEPOT_BK_BRANCH_TAG}",
      "-t", `${ECR_REPO}:latest`,
      "-t", `${ECR_REPO}:$\${DEPOT_BK_COMMIT:0:7}`,
      "-t", `${ECR_REPO}:$\${DEPOT_BK_COMMIT}`,
      "-t", `${ECR_REPO}:build-$\${BUILDKITE_BUILD_NUMBER}`,
      "-t", `${ECR_REPO}:br-$\${DEPOT_BK_BRANCH_TAG}`,
      "--push",
      "--load",
      "--save",
      "--save-tag", "pr-$${BUILDKITE_BUILD_NUMBER}",
      "--provenance", "mode=max",
      "--sbom", "true",
      "--lint",
      "--lint-fail-on", "warn",
      "--build-platform", "linux/arm64",
      "--secret", "id=npm,env=NPM_TOKEN",
      "--secret", "id=sentry,env=SENTRY_AUTH_TOKEN",
      "--ssh", "default",
      "--label", "org.opencontainers.image.source=https://github.com/acme/api",
      "--label", "team=platform",
      "--annotation", "index:org.opencontainers.image.description=API",
      "--no-cache",
      "--pull",
      "--metadata-file", "depot-metadata.json",
      "services/api",
    ]);
  });

  it("minimal: project and context only; no push, no load, no tags", () => {
    const m = model();
    expect(depotBuildArgs(m.images[0], m)).toEqual(["--project", "abc123xyz", "."]);
  });

  it.each([
    [{ provenance: false }, ["--provenance", "false"]],
    [{ provenance: true }, ["--provenance", "true"]],
    [{ provenance: "mode=min,inline-only=true" }, ["--provenance", "mode=min,inline-only=true"]],
    [{ sbom: false }, ["--sbom", "false"]],
  ])("%j -> %j", (o, flags) => {
    const m = single(o);
    expect(depotBuildArgs(m.images[0], m)).toEqual(["--project", "abc123xyz", ...flags, "."]);
  });

  it("--load without a destination tags the local name (default: the step key)", () => {
    const m = single({ key: "My_Api:v2", load: true, tags: ["test", "{short_commit}"] });
    expect(depotBuildArgs(m.images[0], m)).toEqual([
      "--project", "abc123xyz",
      "-t", "my_api-v2:test",
      "-t", "my_api-v2:$${DEPOT_BK_COMMIT:0:7}",
      "--load",
      ".",
    ]);
    expect(defaultLocalName("--")).toBe("image");
  });

  it("--push --load: tags go to the destinations, both flags present", () => {
    const m = SCENARIOS["8 push and load"];
    const argv = depotBuildArgs(m.images[0], m);
    expect(argv.filter((a, i) => argv[i - 1] === "-t")).toEqual([
      "docker.io/acme/api:latest",
      "docker.io/acme/api:$${DEPOT_BK_COMMIT:0:7}",
      `${ECR_REPO}:latest`,
      `${ECR_REPO}:$\${DEPOT_BK_COMMIT:0:7}`,
    ]);
    expect(argv).toContain("--push");
    expect(argv).toContain("--load");
  });

  it("destination without tags pushes the bare repository (Docker's latest)", () => {
    const m = single({ destinations: [DOCKERHUB] });
    expect(depotBuildArgs(m.images[0], m)).toEqual(["--project", "abc123xyz", "-t", "docker.io/acme/api", "--push", "."]);
  });

  it("build secrets are passed by reference only, and there is never a --token", () => {
    const m = SCENARIOS["all depot flags"];
    const argv = depotBuildArgs(m.images[0], m);
    expect(argv.filter((a, i) => argv[i - 1] === "--secret")).toEqual(["id=npm,env=NPM_TOKEN", "id=sentry,env=SENTRY_AUTH_TOKEN"]);
    expect(argv.some((a) => a.startsWith("--token"))).toBe(false);
  });

  it("--lint-fail-on only with --lint; --save-tag only with --save", () => {
    const m = single({ lint: false, lintFailOn: "info" });
    expect(depotBuildArgs(m.images[0], m)).not.toContain("--lint-fail-on");
    expect(() => renderPipeline(single({ saveTags: ["x"] }))).toThrow("[images[0].saveTags] need [images[0].save] = true");
  });
});

describe.skipIf(!depot)("the real depot CLI", () => {
  it("rejects a bogus flag, even with --help (proof that the check can fail)", async () => {
    expect(await checkDepotArgs(["--bogus-flag", "."])).toBe("unknown flag: --bogus-flag");
    expect(await checkDepotArgs(["--push", "--definitely-not-a-depot-flag=1", "."])).toBe(
      "unknown flag: --definitely-not-a-depot-flag",
    );
  });

  it("rejects malformed values, missing values and wrong positionals", async () => {
    expect(await checkDepotArgs(["--no-cache=maybe", "."])).toContain('invalid argument "maybe" for "--no-cache"');
    expect(await checkDepotArgs(["--shm-size", "abc", "."])).toContain('invalid argument "abc" for "--shm-size"');
    expect(await checkDepotArgs(["."," --provenance".trim()])).toBe("flag needs an argument: --provenance");
    expect(await checkDepotArgs(["--push"])).toBe("expected exactly one positional argument (the context), got 0: ");
    expect(await checkDepotArgs([".", "extra"])).toBe("expected exactly one positional argument (the context), got 2: . extra");
    expect(await checkDepotArgs([".", "--push"])).toBe("the context must be the last argument (found . at 0)");
    expect(await checkDepotArgs(["--token", "x", "."])).toBe("--token puts a secret on the command line; use OIDC or DEPOT_TOKEN");
    expect(await checkExpandedDepotArgs(["build", "."])).toBe('argv must not start with "build" (it is added by the check)');
  });

  it("accepts -t / --tag and --flag=value forms", async () => {
    expect(await checkDepotArgs(["-t", "a:b", "--tag=c:d", "--platform=linux/amd64", "--push", "."])).toBeUndefined();
  });

  it.each(Object.entries(SCENARIOS))("%s: depot accepts the argv", async (_name, m) => {
    for (const img of m.images) expect(await checkDepotArgs(depotBuildArgs(img, m))).toBeUndefined();
  });

  it("substitutes runtime references with samples before the check", () => {
    expect(substituteSamples("a:$${BUILDKITE_COMMIT:0:7}-$${DEPOT_BK_BRANCH_TAG}-$$HOME-$${UNKNOWN}")).toBe(
      "a:0123456-feature-Add-thing_2-$HOME-${UNKNOWN}",
    );
  });
});

describe("the argv bash really passes to depot", () => {
  it("matches depotBuildArgs with runtime values substituted (all flags, odd literals)", async () => {
    const m = SCENARIOS["all depot flags"];
    const step = renderPipeline(m).steps[0] as CommandStep;
    const run = await runStepCommand({ ...step });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.calls).toHaveLength(1);
    const expected = depotBuildArgs(m.images[0], m).map((a) =>
      substituteSamples(a, { ...SAMPLE_ENV, DEPOT_BK_BRANCH_TAG: "feature-Add-thing_2" }),
    );
    expect(run.calls[0].argv).toEqual(["build", ...expected]);
    expect(run.calls[0].argv).toContain("QUOTED=it's a $HOME \\$x");
    expect(run.calls[0].argv).toContain("docker.io/acme/api:br-feature-Add-thing_2");
    if (depot) expect(await checkExpandedDepotArgs(run.calls[0].argv.slice(1))).toBeUndefined();
  });

  it.each([
    ["feature/Add thing_2", "feature-Add-thing_2"],
    ["main", "main"],
    ["..-/weird//branch", "weird--branch"],
    ["ünïcode", "n--code"],
    ["///", "branch"],
    ["x".repeat(300), "x".repeat(125)],
  ])("{branch} for %s -> %s (any locale)", async (branch, tag) => {
    const m = single({ tags: ["br-{branch}"], destinations: [ECR] });
    const step = renderPipeline(m).steps[0] as CommandStep;
    const run = await runStepCommand({ ...step }, { env: { BUILDKITE_BRANCH: branch, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" } });
    expect(run.code).toBe(0);
    expect(run.calls[0].argv).toContain(`${ECR_REPO}:br-${tag}`);
  });

  it("image() fixture default stays minimal", () => {
    expect(image().destinations).toEqual([]);
    expect(allFlagsImage().destinations).toEqual([DOCKERHUB, ECR]);
  });
});
