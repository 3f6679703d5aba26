import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentRoleEcrAccess } from "../../components/aws/agent-role-ecr-access";
import { find, installMocks, settle, valueOf, type Registration } from "../helpers/mocks";

const created: Registration[] = [];
const WEB = "arn:aws:ecr:eu-west-1:123456789012:repository/acme/web";
const BASE = "arn:aws:ecr:eu-west-1:999999999999:repository/base/node";
const PULL = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];
const PUSH = [...PULL, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];

let access: AgentRoleEcrAccess;

beforeAll(async () => {
  await installMocks(created);
  access = new AgentRoleEcrAccess("elastic", {
    roleName: pulumi.output("buildkite-stack-Role-ABC123"),
    pushRepositoryArns: [WEB],
    pullRepositoryArns: [BASE],
  });
  await valueOf(access.resolvedRoleName);
  await settle();
});

describe("AgentRoleEcrAccess", () => {
  it("creates exactly one inline policy on the existing role", () => {
    expect(created.map((r) => `${r.type}::${r.name}`)).toEqual([
      "depot-buildkite:index:AgentRoleEcrAccess::elastic",
      "aws:iam/rolePolicy:RolePolicy::elastic-push",
    ]);
  });

  it("attaches the same push policy BuildkiteOidcRole gets", () => {
    const policy = find(created, "aws:iam/rolePolicy:RolePolicy", "elastic-push");
    expect(Object.keys(policy.plain).sort()).toEqual(["policy", "role"]);
    expect(policy.plain.role).toBe("buildkite-stack-Role-ABC123");
    expect(JSON.parse(String(policy.plain.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: [WEB] },
        { Sid: "EcrPull", Effect: "Allow", Action: PULL, Resource: [BASE] },
      ],
    });
    expect(policy.secretPaths).toEqual([]);
  });

  it("outputs the role name once the policy exists", async () => {
    expect(await valueOf(access.roleName)).toBe("buildkite-stack-Role-ABC123");
    expect(await valueOf(access.resolvedRoleName)).toBe("buildkite-stack-Role-ABC123");
    const deps = (access.resolvedRoleName as unknown as { resources(): Set<pulumi.Resource> }).resources();
    expect(deps.has(access.rolePolicy)).toBe(true);
  });

  it.each<[string, ConstructorParameters<typeof AgentRoleEcrAccess>[1], string]>([
    ["a role ARN instead of a name", { roleName: "arn:aws:iam::123456789012:role/x", pushRepositoryArns: [WEB] }, '[roleName] must be an IAM role name, not an ARN (got: "arn:aws:iam::123456789012:role/x")'],
    ["no repositories", { roleName: "r", pushRepositoryArns: [] }, "[pushRepositoryArns] must list at least one ECR repository ARN"],
    ["a wildcard pull repository", { roleName: "r", pushRepositoryArns: [WEB], pullRepositoryArns: ["*"] }, '[pullRepositoryArns] must be ECR repository ARNs without wildcards'],
  ])("refuses %s", (_, args, message) => {
    expect(() => new AgentRoleEcrAccess("bad", args)).toThrow(message);
  });
});
