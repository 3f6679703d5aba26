import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { secretAccessPolicy } from "../../components/secrets/access-policy";
import { agentEnvNames, ELASTIC_STACK_ENV_ALIASES, jobSecretEnv } from "../../components/secrets/job-env";

describe("secretAccessPolicy", () => {
  it("admits exactly one pipeline on every branch", () => {
    expect(secretAccessPolicy({ pipelineSlugs: ["web-app"] })).toBe('- pipeline_slug:\n    - "web-app"\n');
  });

  it("admits one pipeline on given branches, wildcards kept", () => {
    expect(secretAccessPolicy({ pipelineSlugs: ["web-app"], branches: ["main", "release/*", "yes"] })).toBe(
      [
        "- pipeline_slug:",
        '    - "web-app"',
        "  build_branch:",
        '    - "main"',
        '    - "release/*"',
        '    - "yes"',
        "",
      ].join("\n"),
    );
  });

  it("is one rule (all claims must match), parsed back as strings", () => {
    const policy = secretAccessPolicy({ pipelineSlugs: ["a", "123"], branches: ["true"] });
    expect(parse(policy)).toEqual([{ pipeline_slug: ["a", "123"], build_branch: ["true"] }]);
  });

  it("refuses empty lists and bad values, naming them", () => {
    expect(() => secretAccessPolicy({ pipelineSlugs: [] })).toThrow(
      "secretAccessPolicy: [pipelineSlugs] must name at least one pipeline",
    );
    expect(() => secretAccessPolicy({ pipelineSlugs: ["a"], branches: [] })).toThrow(
      "[branches] must not be empty; omit it to admit every branch",
    );
    expect(() => secretAccessPolicy({ pipelineSlugs: ["A"], branches: ["a b"] })).toThrow(
      'secretAccessPolicy: [pipelineSlugs[0]] must be a Buildkite pipeline slug matching ^[a-z0-9][a-z0-9_-]*$ (value: "A"); ' +
        "[branches[0]] must not contain whitespace",
    );
  });
});

describe("jobSecretEnv", () => {
  it("maps env names to per-pipeline cluster secret keys for the buildkite backend", () => {
    expect(jobSecretEnv("buildkite", "web-app", ["DEPOT_TOKEN", "DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"])).toEqual({
      DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP",
      DOCKERHUB_USERNAME: "DOCKERHUB_USERNAME_WEB_APP",
      DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP",
    });
  });

  it("is empty for agent-side backends", () => {
    expect(jobSecretEnv("hook", "web-app", ["DEPOT_TOKEN"])).toEqual({});
    expect(jobSecretEnv("elastic-stack", "web-app", ["DEPOT_TOKEN"])).toEqual({});
    expect(jobSecretEnv("buildkite", "web-app", [])).toEqual({});
  });

  it("refuses bad slugs and names for every backend", () => {
    expect(() => jobSecretEnv("hook", "Web App", ["DEPOT_TOKEN"])).toThrow("jobSecretEnv: [slug] must be a Buildkite pipeline slug");
    expect(() => jobSecretEnv("buildkite", "web-app", ["BK_X"])).toThrow('[envNames[0]] must not start with "bk"');
    expect(() => jobSecretEnv("buildkite", "web-app", ["X".repeat(250)])).toThrow(
      "[envNames[0] (cluster secret key)] must be at most 255 characters (got 258)",
    );
  });
});

describe("agentEnvNames", () => {
  it("translates Docker Hub credentials for the Elastic CI Stack only", () => {
    expect(ELASTIC_STACK_ENV_ALIASES).toEqual({
      DOCKERHUB_USERNAME: ["DOCKER_LOGIN_USER", "DOCKERHUB_USERNAME"],
      DOCKERHUB_TOKEN: ["DOCKER_LOGIN_PASSWORD"],
    });
    expect(agentEnvNames("elastic-stack", "DOCKERHUB_TOKEN")).toEqual(["DOCKER_LOGIN_PASSWORD"]);
    expect(agentEnvNames("elastic-stack", "DEPOT_TOKEN")).toEqual(["DEPOT_TOKEN"]);
    expect(agentEnvNames("hook", "DOCKERHUB_TOKEN")).toEqual(["DOCKERHUB_TOKEN"]);
    expect(agentEnvNames("buildkite", "DOCKERHUB_USERNAME")).toEqual(["DOCKERHUB_USERNAME"]);
  });
});
