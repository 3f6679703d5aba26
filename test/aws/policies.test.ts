import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import {
  ECR_PULL_ACTIONS,
  ECR_PUSH_ACTIONS,
  buildkiteProviderArn,
  buildkiteSubject,
  buildkiteTrustPolicy,
  ecrCrossAccountPullPolicy,
  ecrPushPolicy,
  validateIdentityPolicy,
  validateTrustPolicy,
  type PolicyDocument,
} from "../../components/aws/policies";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com";
const WEB = "arn:aws:ecr:eu-west-1:123456789012:repository/acme/web";
const API = "arn:aws:ecr:eu-west-1:123456789012:repository/acme/api";
const BASE = "arn:aws:ecr:eu-west-1:999999999999:repository/base/node";
const PULL = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];
const PUSH = [...PULL, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];
const TOKEN = { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] };

describe("action sets", () => {
  it("are exact and push includes pull", () => {
    expect(ECR_PULL_ACTIONS).toEqual(PULL);
    expect(ECR_PUSH_ACTIONS).toEqual(PUSH);
    expect(Object.isFrozen(ECR_PUSH_ACTIONS)).toBe(true);
  });
});

describe("ecrPushPolicy", () => {
  it.each<[string, Parameters<typeof ecrPushPolicy>[0], PolicyDocument]>([
    [
      "one push repository",
      { pushRepositoryArns: [WEB] },
      { Version: "2012-10-17", Statement: [TOKEN, { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: [WEB] }] } as PolicyDocument,
    ],
    [
      "push + pull-only base images, duplicates removed, push wins",
      { pushRepositoryArns: [WEB, API, WEB], pullRepositoryArns: [BASE, WEB, BASE] },
      {
        Version: "2012-10-17",
        Statement: [
          TOKEN,
          { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: [WEB, API] },
          { Sid: "EcrPull", Effect: "Allow", Action: PULL, Resource: [BASE] },
        ],
      } as PolicyDocument,
    ],
    [
      "pull list that only repeats push repositories adds no statement",
      { pushRepositoryArns: [WEB], pullRepositoryArns: [WEB] },
      { Version: "2012-10-17", Statement: [TOKEN, { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: [WEB] }] } as PolicyDocument,
    ],
    [
      "other partitions come from the ARNs",
      { pushRepositoryArns: ["arn:aws-cn:ecr:cn-north-1:123456789012:repository/web"] },
      {
        Version: "2012-10-17",
        Statement: [TOKEN, { Sid: "EcrPush", Effect: "Allow", Action: PUSH, Resource: ["arn:aws-cn:ecr:cn-north-1:123456789012:repository/web"] }],
      } as PolicyDocument,
    ],
  ])("%s", (_, args, expected) => {
    const doc = ecrPushPolicy(args);
    expect(doc).toEqual(expected);
    expect(validateIdentityPolicy(doc)).toEqual([]);
  });

  it("is assignable to aws.iam.PolicyDocument", () => {
    const doc: aws.iam.PolicyDocument = ecrPushPolicy({ pushRepositoryArns: [WEB] });
    expect(doc.Version).toBe("2012-10-17");
  });

  it.each([
    [{ pushRepositoryArns: [] }, "[pushRepositoryArns] must list at least one ECR repository ARN"],
    [
      { pushRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/*"] },
      '[pushRepositoryArns] must be ECR repository ARNs without wildcards, like arn:PARTITION:ecr:REGION:ACCOUNT_ID:repository/NAME (got: "arn:aws:ecr:eu-west-1:123456789012:repository/*")',
    ],
    [
      { pushRepositoryArns: [WEB], pullRepositoryArns: ["*"] },
      '[pullRepositoryArns] must be ECR repository ARNs without wildcards, like arn:PARTITION:ecr:REGION:ACCOUNT_ID:repository/NAME (got: "*")',
    ],
    [
      { pushRepositoryArns: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"] },
      '(got: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web")',
    ],
  ])("refuses %j", (args, message) => {
    expect(() => ecrPushPolicy(args)).toThrow(message);
  });
});

describe("ecrCrossAccountPullPolicy", () => {
  it("grants pull to account roots in the given partition", () => {
    expect(ecrCrossAccountPullPolicy({ partition: "aws-us-gov", accountIds: ["111111111111", "222222222222", "111111111111"] })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CrossAccountPull",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws-us-gov:iam::111111111111:root", "arn:aws-us-gov:iam::222222222222:root"] },
          Action: PULL,
        },
      ],
    });
  });

  it.each([
    [{ partition: "aws", accountIds: [] }, "[accountIds] must list at least one account ID"],
    [{ partition: "aws", accountIds: ["12345"] }, '[accountIds] must be 12-digit AWS account IDs (got: "12345")'],
    [{ partition: "AWS!", accountIds: ["111111111111"] }, '[partition] must be an AWS partition such as "aws" (got: "AWS!")'],
  ])("refuses %j", (args, message) => {
    expect(() => ecrCrossAccountPullPolicy(args)).toThrow(message);
  });
});

describe("buildkiteProviderArn", () => {
  it("builds the ARN from partition and account", () => {
    expect(buildkiteProviderArn({ partition: "aws-cn", accountId: "123456789012" })).toBe(
      "arn:aws-cn:iam::123456789012:oidc-provider/agent.buildkite.com",
    );
  });
  it("refuses a bad account ID", () => {
    expect(() => buildkiteProviderArn({ partition: "aws", accountId: "1" })).toThrow('[accountId] must be 12-digit AWS account IDs (got: "1")');
  });
});

describe("buildkiteSubject", () => {
  it.each([
    [{ organization: "acme", pipeline: "web" }, "organization:acme:pipeline:web:ref:*:commit:*:step:*"],
    [{ organization: "acme", pipeline: "web", branch: "main" }, "organization:acme:pipeline:web:ref:refs/heads/main:commit:*:step:*"],
    [{ organization: "acme", pipeline: "web", branch: "refs/heads/release/1.x" }, "organization:acme:pipeline:web:ref:refs/heads/release/1.x:commit:*:step:*"],
  ])("%j -> %s", (args, expected) => {
    expect(buildkiteSubject(args)).toBe(expected);
  });

  it.each([
    [{ organization: "", pipeline: "web" }, "[organization] must not be empty"],
    [{ organization: "ac*", pipeline: "web" }, '[organization] must not contain wildcards ("*" or "?") (got: "ac*")'],
    [{ organization: "acme", pipeline: "we?" }, '[pipeline] must not contain wildcards ("*" or "?") (got: "we?")'],
    [{ organization: "acme", pipeline: "web:ref" }, '[pipeline] must not contain ":" or whitespace (got: "web:ref")'],
    [{ organization: "acme", pipeline: "web", branch: "feature/*" }, '[branch] must not contain wildcards ("*" or "?") (got: "feature/*")'],
    [{ organization: "acme", pipeline: "web", branch: "refs/tags/v1" }, '[branch] must be a branch name or refs/heads/BRANCH (got: "refs/tags/v1")'],
    [{ organization: "acme", pipeline: "web", branch: "" }, "[branch] must not be empty"],
  ])("refuses %j", (args, message) => {
    expect(() => buildkiteSubject(args)).toThrow(message);
  });
});

describe("buildkiteTrustPolicy", () => {
  const base = { providerArn: PROVIDER, organization: "acme" };

  it("pipeline-scoped: StringLike sub, StringEquals aud, no TagSession", () => {
    expect(buildkiteTrustPolicy({ ...base, pipelines: ["web"] })).toEqual({
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

  it("pipelines x branches, de-duplicated, refs/heads/ normalised", () => {
    const doc = buildkiteTrustPolicy({ ...base, pipelines: ["web", "api", "web"], branches: ["main", "refs/heads/main", "release"] });
    expect(doc.Statement[0].Condition).toEqual({
      StringEquals: { "agent.buildkite.com:aud": "sts.amazonaws.com" },
      StringLike: {
        "agent.buildkite.com:sub": [
          "organization:acme:pipeline:web:ref:refs/heads/main:commit:*:step:*",
          "organization:acme:pipeline:web:ref:refs/heads/release:commit:*:step:*",
          "organization:acme:pipeline:api:ref:refs/heads/main:commit:*:step:*",
          "organization:acme:pipeline:api:ref:refs/heads/release:commit:*:step:*",
        ],
      },
    });
    expect(validateTrustPolicy(doc)).toEqual([]);
  });

  it("session tags add sts:TagSession and RequestTag conditions", () => {
    expect(
      buildkiteTrustPolicy({
        ...base,
        pipelines: ["web"],
        branches: ["main"],
        sessionTags: { organizationId: "org-uuid", pipelineIds: ["pipe-uuid"] },
      }),
    ).toEqual({
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
              "aws:RequestTag/organization_id": "org-uuid",
              "aws:RequestTag/pipeline_id": "pipe-uuid",
            },
            StringLike: { "agent.buildkite.com:sub": ["organization:acme:pipeline:web:ref:refs/heads/main:commit:*:step:*"] },
          },
        },
      ],
    });
  });

  it("several pipeline IDs become a list; organization ID alone still adds TagSession", () => {
    const many = buildkiteTrustPolicy({ ...base, pipelines: ["web", "api"], sessionTags: { pipelineIds: ["p1", "p2"] } });
    expect(many.Statement[0].Condition?.StringEquals).toEqual({
      "agent.buildkite.com:aud": "sts.amazonaws.com",
      "aws:RequestTag/pipeline_id": ["p1", "p2"],
    });
    const org = buildkiteTrustPolicy({ ...base, pipelines: ["web"], sessionTags: { organizationId: "o1" } });
    expect(org.Statement[0].Action).toEqual(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]);
    const none = buildkiteTrustPolicy({ ...base, pipelines: ["web"], sessionTags: {} });
    expect(none.Statement[0].Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
  });

  it("custom audience is used as given", () => {
    const doc = buildkiteTrustPolicy({ ...base, audience: "sts.amazonaws.com.cn", pipelines: ["web"] });
    expect(doc.Statement[0].Condition?.StringEquals).toEqual({ "agent.buildkite.com:aud": "sts.amazonaws.com.cn" });
  });

  it.each<[string, Partial<Parameters<typeof buildkiteTrustPolicy>[0]>, string]>([
    ["empty organization", { organization: "" }, "[organization] must not be empty"],
    ["no pipelines", { pipelines: [] }, "[pipelines] must list at least one pipeline slug"],
    ["wildcard org", { organization: "*" }, '[organization] must not contain wildcards ("*" or "?") (got: "*")'],
    ["wildcard pipeline", { pipelines: ["web", "api-*"] }, '[pipelines] must not contain wildcards ("*" or "?") (got: "api-*")'],
    ["? in pipeline", { pipelines: ["we?"] }, '[pipelines] must not contain wildcards ("*" or "?") (got: "we?")'],
    ["wildcard branch", { branches: ["release/*"] }, '[branches] must not contain wildcards ("*" or "?") (got: "release/*")'],
    ["empty branch list", { branches: [] }, "[branches] must not be an empty list; omit it to admit every branch"],
    ["empty audience", { audience: "" }, "[audience] must not be empty"],
    ["wildcard audience", { audience: "sts.*" }, '[audience] must not contain wildcards ("*" or "?") (got: "sts.*")'],
    [
      "provider of another issuer",
      { providerArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      '[providerArn] must be an IAM OIDC provider ARN for agent.buildkite.com, like arn:PARTITION:iam::ACCOUNT_ID:oidc-provider/agent.buildkite.com (got: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")',
    ],
    ["empty pipeline IDs", { sessionTags: { pipelineIds: [] } }, "[sessionTags.pipelineIds] must not be an empty list; omit it to skip the pipeline_id tag"],
    ["blank organization ID", { sessionTags: { organizationId: " " } }, "[sessionTags.organizationId] must not be empty"],
  ])("throws on %s", (_, override, message) => {
    expect(() => buildkiteTrustPolicy({ ...base, pipelines: ["web"], ...override })).toThrow(message);
  });

  it("reports every problem in one error", () => {
    expect(() => buildkiteTrustPolicy({ providerArn: PROVIDER, organization: "", pipelines: [] })).toThrow(
      "Invalid Buildkite trust policy:\n- [organization] must not be empty\n- [pipelines] must list at least one pipeline slug",
    );
  });
});

describe("validateIdentityPolicy", () => {
  const doc = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });

  it.each<[string, PolicyDocument, string[]]>([
    ["empty", doc(), ["policy has no statements"]],
    ["wildcard action", doc({ Sid: "All", Effect: "Allow", Action: "ecr:*", Resource: WEB }), ['statement "All": wildcard action "ecr:*" is not allowed']],
    [
      "star resource on push",
      doc({ Sid: "P", Effect: "Allow", Action: ["ecr:PutImage"], Resource: "*" }),
      ['statement "P": resource "*" is only allowed for ecr:GetAuthorizationToken'],
    ],
    [
      "wildcard inside an ARN",
      doc({ Effect: "Allow", Action: ["ecr:PutImage"], Resource: ["arn:aws:ecr:eu-west-1:123456789012:repository/team/*"] }),
      ['statement #0: wildcard resource "arn:aws:ecr:eu-west-1:123456789012:repository/team/*" is not allowed'],
    ],
    ["no resource", doc({ Sid: "N", Effect: "Allow", Action: ["ecr:PutImage"] }), ['statement "N": must name at least one resource']],
    [
      "NotAction / NotResource",
      doc({ Sid: "X", Effect: "Allow", NotAction: ["iam:*"], NotResource: ["arn:aws:iam::123456789012:role/x"] }),
      ['statement "X": NotAction is not allowed; list actions explicitly', 'statement "X": NotResource is not allowed; list resources explicitly'],
    ],
    [
      "principal in an identity policy",
      doc({ Sid: "Pr", Effect: "Allow", Principal: "*", Action: ["ecr:PutImage"], Resource: [WEB] }),
      ['statement "Pr": identity policies must not name a Principal'],
    ],
    [
      "auth token scoped to a repository",
      doc({ Sid: "T", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: [WEB] }),
      ['statement "T": ecr:GetAuthorizationToken cannot be scoped to a repository; use resource "*"'],
    ],
    ["deny statements may use wildcards", doc({ Effect: "Deny", Action: ["*"], Resource: ["*"] }), []],
  ])("%s", (_, input, expected) => {
    expect(validateIdentityPolicy(input)).toEqual(expected);
  });
});

describe("validateTrustPolicy", () => {
  const good = buildkiteTrustPolicy({ providerArn: PROVIDER, organization: "acme", pipelines: ["web"] });
  const withCondition = (Condition: NonNullable<PolicyDocument["Statement"][number]["Condition"]>): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [{ ...good.Statement[0], Condition }],
  });
  const aud = { "agent.buildkite.com:aud": "sts.amazonaws.com" };

  it("accepts what the builder makes", () => {
    expect(validateTrustPolicy(good)).toEqual([]);
  });

  it.each<[string, PolicyDocument, string[]]>([
    ["no sub", withCondition({ StringEquals: aud }), ['statement "BuildkiteOidc": needs a "agent.buildkite.com:sub" condition']],
    [
      "no aud",
      withCondition({ StringLike: { "agent.buildkite.com:sub": "organization:acme:pipeline:web:ref:*" } }),
      ['statement "BuildkiteOidc": needs StringEquals "agent.buildkite.com:aud" = "sts.amazonaws.com"'],
    ],
    [
      "aud via StringLike only",
      withCondition({ StringLike: { ...aud, "agent.buildkite.com:sub": "organization:acme:pipeline:web:ref:*" } }),
      ['statement "BuildkiteOidc": needs StringEquals "agent.buildkite.com:aud" = "sts.amazonaws.com"'],
    ],
    [
      "organization-wide subject",
      withCondition({ StringEquals: aud, StringLike: { "agent.buildkite.com:sub": "organization:acme:*" } }),
      ['statement "BuildkiteOidc": subject "organization:acme:*" must start with organization:ORG:pipeline:PIPE:ref: with no wildcard before the ref'],
    ],
    [
      "wildcard pipeline",
      withCondition({ StringEquals: aud, StringLike: { "agent.buildkite.com:sub": ["organization:acme:pipeline:web:ref:*", "organization:acme:pipeline:*:ref:*"] } }),
      ['statement "BuildkiteOidc": subject "organization:acme:pipeline:*:ref:*" must start with organization:ORG:pipeline:PIPE:ref: with no wildcard before the ref'],
    ],
    [
      "ForAnyValue operator on sub",
      withCondition({ StringEquals: aud, "ForAnyValue:StringLike": { "agent.buildkite.com:sub": "organization:acme:pipeline:web:ref:*" } }),
      [
        'statement "BuildkiteOidc": "agent.buildkite.com:sub" must use StringEquals or StringLike (got: "ForAnyValue:StringLike")',
        'statement "BuildkiteOidc": needs a "agent.buildkite.com:sub" condition',
      ],
    ],
    [
      "not a federated principal, wrong action",
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole", Condition: good.Statement[0].Condition }],
      },
      [
        "statement #0: must trust a federated OIDC provider (Principal.Federated)",
        'statement #0: action "sts:AssumeRole" is not allowed in a Buildkite OIDC trust policy',
        "statement #0: must allow sts:AssumeRoleWithWebIdentity",
      ],
    ],
    ["no statements", { Version: "2012-10-17", Statement: [] }, ["policy has no statements"]],
  ])("%s", (_, input, expected) => {
    expect(validateTrustPolicy(input)).toEqual(expected);
  });
});
