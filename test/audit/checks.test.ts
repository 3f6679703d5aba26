/** The audit checks themselves: each must be able to fail, on exactly what it claims to catch. */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  foreignPartitionArns,
  hardCodedPartitions,
  policyFindings,
  storedStepFindings,
  supplyChainFindings,
  validateRepositoryPolicy,
} from "./checks";
import { effectiveAliasNames } from "./rename-support";
import type { PlanResource } from "./child-synth";
import type { PolicyDocument } from "../../components/aws/policies";

function pipeline(step: Record<string, unknown>): string {
  return stringify({ steps: [{ key: "build", command: "true", ...step }] });
}
const INSTALL = [
  "depot_cli_version='2.102.12'",
  'curl -fsSL https://depot.dev/install-cli.sh | DEPOT_INSTALL_DIR="$${depot_cli_dir}" sh -s "$${depot_cli_version}"',
].join("\n");

describe("supplyChainFindings", () => {
  it("accepts pinned plugins and a versioned install", () => {
    expect(supplyChainFindings("p", pipeline({ plugins: [{ "ecr#v2.12.0": {} }, "docker-login#v3.0.0"], command: INSTALL }), "2.102.12")).toEqual([]);
  });

  it.each([
    ["an unpinned plugin", { plugins: [{ ecr: {} }] }, "is not pinned"],
    ["a branch-pinned plugin", { plugins: [{ "ecr#main": {} }] }, "is not pinned"],
    ["a latest plugin", { plugins: ["acme/thing#latest"] }, "latest"],
    ["curl | sh without a version", { command: "curl -fsSL https://depot.dev/install-cli.sh | sh" }, "without a version"],
    ["curl | sh -s latest", { command: "curl -fsSL https://depot.dev/install-cli.sh | sh -s latest" }, "not an exact version"],
    ["curl over http", { command: "curl -fsSL http://depot.dev/install-cli.sh | sh -s 2.102.12" }, "without https"],
    ["another CLI version than configured", { command: INSTALL.replace("2.102.12", "2.100.0") }, "config pins 2.102.12"],
    ["npm install without a version", { command: "npm install -g @depot/cli" }, "without an exact version"],
    ["docker login --password", { command: "docker login --password $$TOKEN" }, "--password"],
  ])("flags %s", (_what, step, message) => {
    expect(supplyChainFindings("p", pipeline(step), "2.102.12").join("\n")).toContain(message);
  });

  it("allows latest as an image tag", () => {
    expect(supplyChainFindings("p", pipeline({ command: 'depot build \\\n  -t "docker.io/acme/api:latest" \\\n  .' }), "2.102.12")).toEqual([]);
  });
});

describe("storedStepFindings", () => {
  it("accepts $$ and flags $VAR, ${VAR} and \\$", () => {
    expect(storedStepFindings("s", pipeline({ command: "echo $${HOME} $$PATH" }), false)).toEqual([]);
    for (const bad of ["echo $HOME", "echo ${HOME}", "echo \\$HOME"]) expect(storedStepFindings("s", pipeline({ command: bad }), false).length).toBeGreaterThan(0);
  });

  it("flags any $ when the steps must hold none", () => {
    expect(storedStepFindings("s", pipeline({ command: "echo $$HOME" }), true).join()).toContain('contains "$"');
  });
});

describe("ARN partitions", () => {
  it("flags an ARN in another partition unless the config gave it verbatim", () => {
    const texts = { role: '"arn:aws-us-gov:iam::123456789012:role/x"', policy: '"arn:aws:ecr:eu-west-1:123456789012:repository/api"', kms: '"arn:aws:kms:eu-west-1:1:key/k"' };
    expect(foreignPartitionArns(texts, "aws-us-gov", "kmsKeyArn: arn:aws:kms:eu-west-1:1:key/k")).toEqual(["policy: arn:aws:ecr:eu-west-1:123456789012:repository/api"]);
  });

  it("finds arn:aws: in code and template literals, not in comments", () => {
    const source = [
      "// arn:aws:iam::1:root in a line comment",
      "/** arn:aws:iam::1:root in a doc comment */",
      "/*",
      " * arn:aws:iam::1:root",
      " */",
      "const ok = `arn:${partition}:iam::${id}:root`;",
      "const bad = `arn:aws:iam::${id}:root`; // and a comment",
      'const url = "https://example.com"; const bad2 = "arn:aws:s3:::b";',
    ].join("\n");
    expect(hardCodedPartitions(source).map((h) => h.line)).toEqual([7, 8]);
  });
});

describe("IAM documents", () => {
  const doc = (statement: object): PolicyDocument => ({ Version: "2012-10-17", Statement: [statement as PolicyDocument["Statement"][number]] });

  it("flags a wildcard action and an action the program never needs", () => {
    const findings = policyFindings([
      { resource: "r", kind: "identity", doc: doc({ Effect: "Allow", Action: ["ecr:*"], Resource: ["arn:aws:ecr:eu-west-1:123456789012:repository/a"] }) },
      { resource: "s", kind: "identity", doc: doc({ Effect: "Allow", Action: ["iam:PassRole"], Resource: ["arn:aws:iam::123456789012:role/x"] }) },
    ]);
    expect(findings.join("\n")).toContain('wildcard action "ecr:*"');
    expect(findings.join("\n")).toContain('grants "iam:PassRole"');
  });

  it("checks repository policies: named accounts, pull only", () => {
    expect(validateRepositoryPolicy(doc({ Effect: "Allow", Principal: { AWS: ["arn:aws:iam::210987654321:root"] }, Action: ["ecr:BatchGetImage"] }))).toEqual([]);
    expect(validateRepositoryPolicy(doc({ Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] })).join()).toContain("must name AWS account principals");
    expect(validateRepositoryPolicy(doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: ["ecr:PutImage"] })).join()).toContain("more than pull");
  });
});

describe("effectiveAliasNames", () => {
  const r = (name: string, parent: string | null, aliases?: string[]): PlanResource => ({
    type: parent ? "child:T" : "comp:T",
    name,
    parent,
    custom: parent !== null,
    inputs: {},
    ...(aliases ? { aliases } : {}),
  });

  it("inherits a parent's alias, replacing the parent name prefix like the engine", () => {
    const parent = r("api-v2", null, ["name:api"]);
    const all = new Map([["comp:T::api-v2", parent]]);
    expect(effectiveAliasNames(r("api-v2-nightly", "comp:T::api-v2"), all)).toEqual(["api-nightly"]);
    expect(effectiveAliasNames(r("other", "comp:T::api-v2"), all)).toEqual(["other"]);
    expect(effectiveAliasNames(r("x", null, ["name:"]), all)).toEqual([]);
  });
});
