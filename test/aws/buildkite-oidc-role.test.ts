import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { BuildkiteOidcProvider } from "../../components/aws/buildkite-oidc-provider";
import { BuildkiteOidcRole } from "../../components/aws/buildkite-oidc-role";
import { EcrRepository } from "../../components/aws/ecr-repository";
import { validateIdentityPolicy, validateTrustPolicy, type PolicyDocument } from "../../components/aws/policies";
import { byType, find, installMocks, settle, valueOf, type Registration } from "../helpers/mocks";

const created: Registration[] = [];
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com";
const WEB = "arn:aws:ecr:eu-west-1:123456789012:repository/acme/web";
const BASE = "arn:aws:ecr:eu-west-1:999999999999:repository/base/node";
const PULL = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];
const PUSH = [...PULL, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];

/** Whether the push policy had reached the mock monitor when each output resolved. */
const policyRegisteredWhen: { roleArn?: boolean; resolvedRoleArn?: boolean } = {};
const pushPolicyRegistered = (name: string): boolean =>
  created.some((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === name);

let simple: BuildkiteOidcRole;
let wired: BuildkiteOidcRole;

beforeAll(async () => {
  await installMocks(created);
  // Plain ARNs, one pipeline, no branch.
  simple = new BuildkiteOidcRole("web-ci", {
    providerArn: PROVIDER,
    organization: "acme",
    pipelineSlugs: ["web"],
    pushRepositoryArns: [WEB],
  });
  // Everything from other components (Outputs), with branches, session tags and pull-only repos.
  const provider = new BuildkiteOidcProvider("buildkite");
  const repo = new EcrRepository("api", { name: "acme/api" });
  wired = new BuildkiteOidcRole("api-ci", {
    providerArn: provider.providerArn,
    organization: "acme",
    pipelineSlugs: ["api", "api-nightly"],
    branches: ["main"],
    sessionTags: { organizationId: "0190-org", pipelineIds: ["0190-p1", "0190-p2"] },
    pushRepositoryArns: [repo.repositoryArn],
    pullRepositoryArns: [BASE],
    roleName: "acme-api-ci",
    maxSessionDurationSeconds: 7200,
    tags: { team: "platform" },
  });
  wired.roleArn.apply(() => (policyRegisteredWhen.roleArn = pushPolicyRegistered("api-ci-push")));
  wired.resolvedRoleArn.apply(() => (policyRegisteredWhen.resolvedRoleArn = pushPolicyRegistered("api-ci-push")));
  await Promise.all([valueOf(simple.resolvedRoleArn), valueOf(wired.resolvedRoleArn)]);
  await settle();
});

const json = (r: Registration, key: string): PolicyDocument => JSON.parse(String(r.plain[key])) as PolicyDocument;

describe("BuildkiteOidcRole (plain inputs)", () => {
  it("creates exactly a role and its inline push policy", () => {
    expect(created.filter((r) => r.name.startsWith("web-ci")).map((r) => `${r.type}::${r.name}`)).toEqual([
      "depot-buildkite:index:BuildkiteOidcRole::web-ci",
      "aws:iam/role:Role::web-ci",
      "aws:iam/rolePolicy:RolePolicy::web-ci-push",
    ]);
  });

  it("role inputs: exact trust policy, auto-named, default session length", () => {
    const role = find(created, "aws:iam/role:Role", "web-ci");
    expect(Object.keys(role.plain).sort()).toEqual(["assumeRolePolicy", "description", "maxSessionDuration"]);
    expect(role.plain.description).toBe("Assumed by Buildkite jobs (OIDC) of acme/web");
    expect(role.plain.maxSessionDuration).toBe(3600);
    expect(json(role, "assumeRolePolicy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "BuildkiteOidc",
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: { "agent.buildkite.com:aud": "sts.amazonaws.com" },
            StringLike: { "agent.buildkite.com:sub": ["organization:acme:pipeline:web:ref:*:commit:*:step:*"] },
          },
        },
      ],
    });
  });

  it("push policy: exact document on the role", () => {
    const policy = find(created, "aws:iam/rolePolicy:RolePolicy", "web-ci-push");
    expect(policy.plain.role).toBe("web-ci");
    expect(json(policy, "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: [WEB] },
      ],
    });
  });

  it("outputs the role ARN and name", async () => {
    expect(await valueOf(simple.roleArn)).toBe("arn:aws:iam::123456789012:role/web-ci");
    expect(await valueOf(simple.resolvedRoleArn)).toBe("arn:aws:iam::123456789012:role/web-ci");
    expect(await valueOf(simple.roleName)).toBe("web-ci");
  });
});

describe("BuildkiteOidcRole (wired from other components)", () => {
  it("trust policy: provider ARN from the provider, pipelines x branch, session tags", () => {
    const role = find(created, "aws:iam/role:Role", "api-ci");
    const trust = json(role, "assumeRolePolicy");
    expect(trust).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "BuildkiteOidc",
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "agent.buildkite.com:aud": "sts.amazonaws.com",
              "aws:RequestTag/organization_id": "0190-org",
              "aws:RequestTag/pipeline_id": ["0190-p1", "0190-p2"],
            },
            StringLike: {
              "agent.buildkite.com:sub": [
                "organization:acme:pipeline:api:ref:refs/heads/main:commit:*:step:*",
                "organization:acme:pipeline:api-nightly:ref:refs/heads/main:commit:*:step:*",
              ],
            },
          },
        },
      ],
    });
    expect(validateTrustPolicy(trust)).toEqual([]);
    expect(role.plain.name).toBe("acme-api-ci");
    expect(role.plain.maxSessionDuration).toBe(7200);
    expect(role.plain.tags).toEqual({ team: "platform" });
  });

  it("push policy: repository ARN from the repository, pull-only base image", () => {
    const policy = find(created, "aws:iam/rolePolicy:RolePolicy", "api-ci-push");
    expect(policy.plain.role).toBe("acme-api-ci");
    const doc = json(policy, "policy");
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: ["arn:aws:ecr:eu-west-1:123456789012:repository/acme/api"] },
        { Sid: "EcrPull", Effect: "Allow", Action: PULL, Resource: [BASE] },
      ],
    });
    expect(validateIdentityPolicy(doc)).toEqual([]);
  });

  it("resolvedRoleArn depends on the push policy; roleArn does not", () => {
    type Deps = { resources(): Set<pulumi.Resource> };
    const resolvedDeps = (wired.resolvedRoleArn as unknown as Deps).resources();
    const plainDeps = (wired.roleArn as unknown as Deps).resources();
    expect(resolvedDeps.has(wired.role)).toBe(true);
    expect(resolvedDeps.has(wired.pushPolicy)).toBe(true);
    expect(plainDeps.has(wired.pushPolicy)).toBe(false);
    // The policy needs the role's name, so it can only register after the role's outputs (and
    // roleArn) resolved; resolvedRoleArn waits for it.
    expect(policyRegisteredWhen).toEqual({ roleArn: false, resolvedRoleArn: true });
  });

  it("registers no other resources and no secrets", () => {
    expect(byType(created, "aws:iam/role:Role").map((r) => r.name)).toEqual(["web-ci", "api-ci"]);
    expect(byType(created, "aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).toEqual(["web-ci-push", "api-ci-push"]);
    expect(byType(created, "aws:iam/policy:Policy")).toEqual([]);
    expect(byType(created, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    expect(created.flatMap((r) => r.secretPaths)).toEqual([]);
  });
});

describe("BuildkiteOidcRole validation", () => {
  const ok = { providerArn: PROVIDER, organization: "acme", pipelineSlugs: ["web"], pushRepositoryArns: [WEB] };
  it.each<[string, Partial<ConstructorParameters<typeof BuildkiteOidcRole>[1]>, string]>([
    ["no pipelines", { pipelineSlugs: [] }, "[pipelineSlugs] must list at least one pipeline slug"],
    ["a wildcard pipeline", { pipelineSlugs: ["web-*"] }, '[pipelineSlugs] must not contain wildcards ("*" or "?") (got: "web-*")'],
    ["a wildcard organization", { organization: "*" }, '[organization] must not contain wildcards ("*" or "?") (got: "*")'],
    ["a wildcard branch", { branches: ["*"] }, '[branches] must not contain wildcards ("*" or "?") (got: "*")'],
    ["no push repositories", { pushRepositoryArns: [] }, "[pushRepositoryArns] must list at least one ECR repository ARN"],
    ["a wildcard repository", { pushRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/*"] }, '[pushRepositoryArns] must be ECR repository ARNs without wildcards'],
    ["a bad provider ARN", { providerArn: "arn:aws:iam::123456789012:oidc-provider/example.com" }, '[providerArn] must be an IAM OIDC provider ARN for agent.buildkite.com'],
    ["a long role name", { roleName: "r".repeat(65) }, "[roleName] must be 1 to 64 characters"],
    ["a short session", { maxSessionDurationSeconds: 900 }, "[maxSessionDurationSeconds] must be a whole number from 3600 to 43200 (got: 900)"],
  ])("refuses %s", (_, override, message) => {
    expect(() => new BuildkiteOidcRole("bad", { ...ok, ...override })).toThrow(message);
  });

  it("an Output-only push list is not mistaken for an empty one", async () => {
    const r = new BuildkiteOidcRole("late", { ...ok, pushRepositoryArns: [pulumi.output(WEB)] });
    expect(await valueOf(r.resolvedRoleArn)).toBe("arn:aws:iam::123456789012:role/late");
  });
});
