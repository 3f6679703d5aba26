import { describe, expect, it, test } from "vitest";
import { clusterSecretKey } from "../../components/naming";
import { validateClusterUuid } from "../../components/secrets/args";
import {
  validateBranchPattern,
  validateClusterSecretKey,
  validateEnvName,
  validateSecretValue,
  validateSlug,
  validateStepKey,
} from "../../components/secrets/validation";

describe("validateClusterSecretKey", () => {
  test.each([
    ["DEPOT_TOKEN_WEB_APP"],
    ["a"],
    ["Z9_"],
    ["DOCKERHUB_TOKEN_API_2"],
    ["B"], // "b" alone is not the "bk" prefix
    ["BUILD_TOKEN"], // starts with "bu", not "buildkite"
    ["K".repeat(255)],
  ])("accepts %s", (key) => {
    expect(validateClusterSecretKey(key)).toEqual([]);
  });

  test.each([
    ["", 'must start with a letter and contain only letters, digits and "_" (value: "")'],
    ["1TOKEN", 'must start with a letter and contain only letters, digits and "_" (value: "1TOKEN")'],
    ["_TOKEN", 'must start with a letter and contain only letters, digits and "_" (value: "_TOKEN")'],
    ["DEPOT-TOKEN", 'must start with a letter and contain only letters, digits and "_" (value: "DEPOT-TOKEN")'],
    ["DEPOT TOKEN", 'must start with a letter and contain only letters, digits and "_" (value: "DEPOT TOKEN")'],
    ["TOKEN\u00e9", 'must start with a letter and contain only letters, digits and "_" (value: "TOKENé")'],
    ["BUILDKITE_TOKEN", 'must not start with the reserved prefix "buildkite" in any case (value: "BUILDKITE_TOKEN")'],
    ["buildkiteToken", 'must not start with the reserved prefix "buildkite" in any case (value: "buildkiteToken")'],
    ["BuildKite", 'must not start with the reserved prefix "buildkite" in any case (value: "BuildKite")'],
    ["BK_TOKEN", 'must not start with the reserved prefix "bk" in any case (value: "BK_TOKEN")'],
    ["bkToken", 'must not start with the reserved prefix "bk" in any case (value: "bkToken")'],
    ["Bk", 'must not start with the reserved prefix "bk" in any case (value: "Bk")'],
    ["K".repeat(256), "must be at most 255 characters (got 256)"],
  ])("rejects %j", (key, problem) => {
    expect(validateClusterSecretKey(key)).toEqual([problem]);
  });

  it("reports every problem at once", () => {
    expect(validateClusterSecretKey(`BK-${"x".repeat(300)}`)).toHaveLength(3);
  });

  it("accepts the keys the program derives for the contract names", () => {
    for (const env of ["DEPOT_TOKEN", "DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"]) {
      expect(validateClusterSecretKey(clusterSecretKey(env, "web-app"))).toEqual([]);
      expect(validateClusterSecretKey(clusterSecretKey(env, "9-lives"))).toEqual([]);
    }
  });
});

describe("validateEnvName", () => {
  test.each([["DEPOT_TOKEN"], ["_X"], ["x1"]])("accepts %s", (n) => expect(validateEnvName(n)).toEqual([]));
  test.each([
    ["1X", 'must be a shell variable name matching ^[A-Za-z_][A-Za-z0-9_]*$ (value: "1X")'],
    ["A-B", 'must be a shell variable name matching ^[A-Za-z_][A-Za-z0-9_]*$ (value: "A-B")'],
    ["BUILDKITE_AGENT_ACCESS_TOKEN", 'must not start with "buildkite" in any case: the agent reserves it (value: "BUILDKITE_AGENT_ACCESS_TOKEN")'],
    ["bk_x", 'must not start with "bk" in any case: the agent reserves it (value: "bk_x")'],
  ])("rejects %s", (n, problem) => expect(validateEnvName(n)).toEqual([problem]));
});

describe("validateSlug, validateBranchPattern, validateStepKey", () => {
  test.each([["web-app"], ["api"], ["9lives"], ["a_b"]])("slug %s ok", (s) => expect(validateSlug(s)).toEqual([]));
  test.each([["Web-App"], ["-x"], [""], ["a b"], ["a/b"], ["a'b"]])("slug %j rejected", (s) =>
    expect(validateSlug(s)).toEqual([`must be a Buildkite pipeline slug matching ^[a-z0-9][a-z0-9_-]*$ (value: ${JSON.stringify(s)})`]),
  );
  test.each([["main"], ["release/*"], ["*"], ["feature/a.b-c_d"], ["it's"]])("branch %s ok", (b) =>
    expect(validateBranchPattern(b)).toEqual([]),
  );
  test.each([["a b"], ["a?"], ["a[b]"], ["a\\b"], ["a~1"], ["a^"], ["a:b"], ["a\nb"]])("branch %j rejected", (b) =>
    expect(validateBranchPattern(b)).toEqual([
      `must not contain whitespace, control characters or any of ? [ \\ ~ ^ : (value: ${JSON.stringify(b)})`,
    ]),
  );
  it("rejects empty branch and step key", () => {
    expect(validateBranchPattern("")).toEqual(["must not be empty"]);
    expect(validateStepKey("")).toEqual(["must not be empty"]);
    expect(validateStepKey("a\tb")).toEqual(['must not contain control characters (value: "a\\tb")']);
    expect(validateStepKey("build:amd64")).toEqual([]);
  });
});

describe("validateSecretValue", () => {
  it("limits Buildkite secrets to less than 8 KB, counting bytes", () => {
    expect(validateSecretValue("x".repeat(8191), "buildkite")).toEqual([]);
    expect(validateSecretValue("x".repeat(8192), "buildkite")).toEqual([
      "must be less than 8 KB for a Buildkite secret (got 8192 bytes, limit 8191)",
    ]);
    // 4096 two-byte characters are 8192 bytes.
    expect(validateSecretValue("é".repeat(4096), "buildkite")).toEqual([
      "must be less than 8 KB for a Buildkite secret (got 8192 bytes, limit 8191)",
    ]);
  });
  it("limits AWS-backed values to 64 KiB", () => {
    expect(validateSecretValue("x".repeat(65536), "hook")).toEqual([]);
    expect(validateSecretValue("x".repeat(65537), "elastic-stack")).toEqual(["must be at most 65536 bytes (got 65537 bytes)"]);
  });
  it("refuses empty values and NUL, and never echoes the value", () => {
    expect(validateSecretValue("", "hook")).toEqual(["must not be empty"]);
    const problems = validateSecretValue("CANARY\u0000x", "buildkite");
    expect(problems).toEqual(["must not contain NUL characters (a shell cannot hold them)"]);
    expect(problems.join()).not.toContain("CANARY");
  });
});

describe("validateClusterUuid", () => {
  it("accepts a UUID and explains a GraphQL id", () => {
    expect(validateClusterUuid("01234567-89ab-cdef-0123-456789abcdef")).toEqual([]);
    const graphqlId = Buffer.from("Cluster---01234567-89ab-cdef-0123-456789abcdef").toString("base64");
    expect(validateClusterUuid(graphqlId)).toEqual([
      `is a GraphQL id; pass the cluster UUID (cluster.uuid), not cluster.id (value: "${graphqlId}")`,
    ]);
    expect(validateClusterUuid("default")).toEqual([
      'must be a cluster UUID such as 01234567-89ab-cdef-0123-456789abcdef (value: "default")',
    ]);
  });
});
