/**
 * Pure IAM policy documents for Buildkite jobs that push to Amazon ECR, and validators for them.
 *
 * Nothing here creates a resource or reads an `Output`: every function takes plain, resolved
 * values and returns a plain document (or a list of problems). Components call these inside
 * `apply` once resource ARNs are known, and call the `...Problems` helpers eagerly on the values
 * that are already plain, so mistakes fail at construction instead of at deploy time.
 *
 * ARNs are never built with a hard-coded `arn:aws:` prefix: the partition is an input.
 */

/** The Buildkite Agent OIDC issuer (`iss` claim), and the URL of the IAM OIDC provider. */
export const BUILDKITE_OIDC_ISSUER = "https://agent.buildkite.com";

/** The issuer without its scheme: the prefix of IAM condition keys and of the provider ARN. */
export const BUILDKITE_OIDC_HOST = "agent.buildkite.com";

/** The audience Buildkite's AWS plugins request (`buildkite-agent oidc request-token --audience`). */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** Condition key of the `aud` claim. */
export const BUILDKITE_AUD_KEY = `${BUILDKITE_OIDC_HOST}:aud`;

/** Condition key of the `sub` claim. */
export const BUILDKITE_SUB_KEY = `${BUILDKITE_OIDC_HOST}:sub`;

/** Actions needed to pull an image from a repository. */
export const ECR_PULL_ACTIONS: readonly string[] = Object.freeze([
  "ecr:BatchCheckLayerAvailability",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
]);

/**
 * Actions needed to push an image to a repository. A push first checks which layers and
 * manifests exist, so this includes the pull actions.
 */
export const ECR_PUSH_ACTIONS: readonly string[] = Object.freeze([
  ...ECR_PULL_ACTIONS,
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
]);

/** The one ECR action that cannot be scoped to a repository: it needs `Resource: "*"`. */
export const ECR_AUTH_TOKEN_ACTION = "ecr:GetAuthorizationToken";

/** A principal in a resource or trust policy. Shapes match `aws.iam.PolicyDocument`. */
export type PolicyPrincipal =
  | "*"
  | { AWS: string | string[] }
  | { Service: string | string[] }
  | { Federated: string | string[] };

/** One IAM policy statement, plain (no `Input`s). Assignable to `aws.iam.PolicyStatement`. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: PolicyPrincipal;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** Operator (`StringEquals`, `StringLike`, ...) -> condition key -> value(s). */
  Condition?: { [operator: string]: { [key: string]: string | string[] } };
}

/** A plain IAM policy document. Assignable to `aws.iam.PolicyDocument`; `JSON.stringify` it for resources. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

const WILDCARD = /[*?]/;
const PARTITION = /^[a-z][a-z0-9-]*$/;
const ACCOUNT_ID = /^\d{12}$/;
const REPOSITORY_NAME_BODY = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";
const ECR_REPOSITORY_ARN = new RegExp(`^arn:[a-z][a-z0-9-]*:ecr:[a-z0-9-]+:\\d{12}:repository/${REPOSITORY_NAME_BODY}$`);
const BUILDKITE_PROVIDER_ARN = /^arn:[a-z][a-z0-9-]*:iam::\d{12}:oidc-provider\/agent\.buildkite\.com$/;

const q = (v: string): string => JSON.stringify(v);
const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const unique = (values: readonly string[]): string[] => [...new Set(values)];

// ---------------------------------------------------------------------------------------------
// ARNs
// ---------------------------------------------------------------------------------------------

/**
 * The ARN of the Buildkite IAM OIDC provider in an account: there is at most one per account.
 * @example buildkiteProviderArn({ partition: "aws", accountId: "123456789012" })
 *   // "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com"
 */
export function buildkiteProviderArn(args: { partition: string; accountId: string }): string {
  const problems: string[] = [];
  if (!PARTITION.test(args.partition)) problems.push(`[partition] must be an AWS partition such as "aws" (got: ${q(args.partition)})`);
  problems.push(...accountIdProblems([args.accountId], "accountId"));
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return `arn:${args.partition}:iam::${args.accountId}:oidc-provider/${BUILDKITE_OIDC_HOST}`;
}

/** Problems with an ARN that should name the Buildkite OIDC provider. */
export function buildkiteProviderArnProblems(arn: string, argName = "providerArn"): string[] {
  return BUILDKITE_PROVIDER_ARN.test(arn)
    ? []
    : [`[${argName}] must be an IAM OIDC provider ARN for ${BUILDKITE_OIDC_HOST}, like arn:PARTITION:iam::ACCOUNT_ID:oidc-provider/${BUILDKITE_OIDC_HOST} (got: ${q(arn)})`];
}

/** Problems with a list of 12-digit AWS account IDs. */
export function accountIdProblems(ids: readonly string[], argName = "accountIds"): string[] {
  return ids.filter((id) => !ACCOUNT_ID.test(id)).map((id) => `[${argName}] must be 12-digit AWS account IDs (got: ${q(id)})`);
}

/** Problems with a list of ECR repository ARNs (wildcards are refused). */
export function ecrRepositoryArnProblems(arns: readonly string[], argName: string): string[] {
  return arns
    .filter((arn) => !ECR_REPOSITORY_ARN.test(arn))
    .map((arn) => `[${argName}] must be ECR repository ARNs without wildcards, like arn:PARTITION:ecr:REGION:ACCOUNT_ID:repository/NAME (got: ${q(arn)})`);
}

// ---------------------------------------------------------------------------------------------
// Identity policy: ECR push
// ---------------------------------------------------------------------------------------------

export interface EcrPushPolicyArgs {
  /** Repositories the job may push to (and pull from). At least one. */
  pushRepositoryArns: readonly string[];
  /** Repositories the job may only pull from, e.g. base images. Repositories also in `pushRepositoryArns` are dropped here. */
  pullRepositoryArns?: readonly string[];
}

/** Problems with the arguments of {@link ecrPushPolicy}. Argument names can be renamed for callers. */
export function ecrPushPolicyProblems(
  args: EcrPushPolicyArgs,
  names: { push?: string; pull?: string } = {},
): string[] {
  const push = names.push ?? "pushRepositoryArns";
  const pull = names.pull ?? "pullRepositoryArns";
  const problems: string[] = [];
  if (args.pushRepositoryArns.length === 0) problems.push(`[${push}] must list at least one ECR repository ARN`);
  problems.push(...ecrRepositoryArnProblems(args.pushRepositoryArns, push));
  problems.push(...ecrRepositoryArnProblems(args.pullRepositoryArns ?? [], pull));
  return problems;
}

/**
 * A least-privilege identity policy to push images to the named repositories.
 *
 * Statements, in this order:
 * 1. `EcrAuthorizationToken`: `ecr:GetAuthorizationToken` on `*` (it cannot be scoped);
 * 2. `EcrPush`: {@link ECR_PUSH_ACTIONS} on the push repositories only;
 * 3. `EcrPull` (only when there are pull-only repositories): {@link ECR_PULL_ACTIONS} on them.
 *
 * @throws Error when the push list is empty or an ARN is not a plain ECR repository ARN.
 */
export function ecrPushPolicy(args: EcrPushPolicyArgs): PolicyDocument {
  const problems = ecrPushPolicyProblems(args);
  if (problems.length > 0) throw new Error(`Invalid ECR push policy:\n- ${problems.join("\n- ")}`);
  const push = unique(args.pushRepositoryArns);
  const pull = unique(args.pullRepositoryArns ?? []).filter((arn) => !push.includes(arn));
  const statements: PolicyStatement[] = [
    { Sid: "EcrAuthorizationToken", Effect: "Allow", Action: [ECR_AUTH_TOKEN_ACTION], Resource: ["*"] },
    { Sid: "EcrPush", Effect: "Allow", Action: [...ECR_PUSH_ACTIONS], Resource: push },
  ];
  if (pull.length > 0) statements.push({ Sid: "EcrPull", Effect: "Allow", Action: [...ECR_PULL_ACTIONS], Resource: pull });
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * A repository policy that lets other accounts pull. Principals are the accounts' root ARNs,
 * built from `partition`, so each account still decides which of its roles may pull.
 */
export function ecrCrossAccountPullPolicy(args: { partition: string; accountIds: readonly string[] }): PolicyDocument {
  const problems = accountIdProblems(args.accountIds, "accountIds");
  if (args.accountIds.length === 0) problems.unshift("[accountIds] must list at least one account ID");
  if (!PARTITION.test(args.partition)) problems.push(`[partition] must be an AWS partition such as "aws" (got: ${q(args.partition)})`);
  if (problems.length > 0) throw new Error(`Invalid ECR repository policy:\n- ${problems.join("\n- ")}`);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CrossAccountPull",
        Effect: "Allow",
        Principal: { AWS: unique(args.accountIds).map((id) => `arn:${args.partition}:iam::${id}:root`) },
        Action: [...ECR_PULL_ACTIONS],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Trust policy: Buildkite OIDC
// ---------------------------------------------------------------------------------------------

export interface BuildkiteSubjectArgs {
  /** Buildkite organization slug. */
  organization: string;
  /** Pipeline slug. */
  pipeline: string;
  /** Branch name (`main`, or `refs/heads/main`). Omit to admit every branch and tag. */
  branch?: string;
}

/** Problems with one segment value of a Buildkite `sub` claim. */
function segmentProblems(argName: string, value: string): string[] {
  if (value.length === 0) return [`[${argName}] must not be empty`];
  if (WILDCARD.test(value)) return [`[${argName}] must not contain wildcards ("*" or "?") (got: ${q(value)})`];
  if (/[:\s]/.test(value)) return [`[${argName}] must not contain ":" or whitespace (got: ${q(value)})`];
  return [];
}

function branchProblems(argName: string, branch: string): string[] {
  const problems = segmentProblems(argName, branch);
  if (problems.length > 0) return problems;
  if (branch.startsWith("refs/") && !branch.startsWith("refs/heads/")) {
    return [`[${argName}] must be a branch name or refs/heads/BRANCH (got: ${q(branch)})`];
  }
  if (branch === "refs/heads/") return [`[${argName}] must not be empty`];
  return [];
}

const branchRef = (branch: string): string =>
  branch.startsWith("refs/heads/") ? branch : `refs/heads/${branch}`;

/**
 * Format the `sub` claim pattern Buildkite puts in its OIDC tokens:
 * `organization:ORG:pipeline:PIPE:ref:REF:commit:COMMIT:step:STEP_KEY`.
 *
 * The commit and step are only known per job, so the pattern always ends in `:commit:*:step:*`
 * and must be matched with `StringLike`. Without a branch the ref is `*` too. Organization,
 * pipeline and branch are always literal: wildcards in them are refused.
 *
 * @example buildkiteSubject({ organization: "acme", pipeline: "web", branch: "main" })
 *   // "organization:acme:pipeline:web:ref:refs/heads/main:commit:*:step:*"
 * @throws Error when a segment is empty or contains `*`, `?`, `:` or whitespace.
 */
export function buildkiteSubject(args: BuildkiteSubjectArgs): string {
  const problems = [
    ...segmentProblems("organization", args.organization),
    ...segmentProblems("pipeline", args.pipeline),
    ...(args.branch === undefined ? [] : branchProblems("branch", args.branch)),
  ];
  if (problems.length > 0) throw new Error(`Invalid Buildkite subject:\n- ${problems.join("\n- ")}`);
  const ref = args.branch === undefined ? "*" : branchRef(args.branch);
  return `organization:${args.organization}:pipeline:${args.pipeline}:ref:${ref}:commit:*:step:*`;
}

/** Immutable IDs Buildkite can copy into AWS session tags (plugin option `session-tags`). */
export interface BuildkiteSessionTags {
  /**
   * Required value of the `organization_id` session tag (the organization's UUID).
   * @default none (the `organization_id` tag is not required)
   */
  organizationId?: string;
  /**
   * Allowed values of the `pipeline_id` session tag (pipeline UUIDs). An empty list is refused.
   * @default none (the `pipeline_id` tag is not required)
   */
  pipelineIds?: string[];
}

export interface BuildkiteTrustPolicyArgs {
  /** ARN of the IAM OIDC provider for `agent.buildkite.com`. */
  providerArn: string;
  /** Required `aud` claim. @default "sts.amazonaws.com" */
  audience?: string;
  /** Buildkite organization slug. */
  organization: string;
  /** Pipeline slugs that may assume the role. At least one. */
  pipelines: readonly string[];
  /** Branches that may assume the role. Omit to admit every branch and tag of the pipelines. */
  branches?: readonly string[];
  /** Require session tags with immutable IDs (adds `sts:TagSession`). */
  sessionTags?: BuildkiteSessionTags;
}

/** Argument names used in messages, so a component can report its own argument names. */
export interface TrustArgNames {
  providerArn?: string;
  audience?: string;
  organization?: string;
  pipelines?: string;
  branches?: string;
  sessionTags?: string;
}

/**
 * Problems with the arguments of {@link buildkiteTrustPolicy}, except `providerArn` when it is
 * `undefined` (a component validates the plain parts before the provider ARN resolves).
 */
export function buildkiteTrustPolicyProblems(
  args: Omit<BuildkiteTrustPolicyArgs, "providerArn"> & { providerArn?: string },
  names: TrustArgNames = {},
): string[] {
  const n = {
    providerArn: names.providerArn ?? "providerArn",
    audience: names.audience ?? "audience",
    organization: names.organization ?? "organization",
    pipelines: names.pipelines ?? "pipelines",
    branches: names.branches ?? "branches",
    sessionTags: names.sessionTags ?? "sessionTags",
  };
  const problems: string[] = [];
  if (args.providerArn !== undefined) problems.push(...buildkiteProviderArnProblems(args.providerArn, n.providerArn));
  if (args.audience !== undefined) problems.push(...segmentProblems(n.audience, args.audience));
  problems.push(...segmentProblems(n.organization, args.organization));
  if (args.pipelines.length === 0) problems.push(`[${n.pipelines}] must list at least one pipeline slug`);
  for (const p of args.pipelines) problems.push(...segmentProblems(n.pipelines, p));
  if (args.branches !== undefined) {
    if (args.branches.length === 0) problems.push(`[${n.branches}] must not be an empty list; omit it to admit every branch`);
    for (const b of args.branches) problems.push(...branchProblems(n.branches, b));
  }
  const tags = args.sessionTags;
  if (tags?.organizationId !== undefined && tags.organizationId.trim() === "") {
    problems.push(`[${n.sessionTags}.organizationId] must not be empty`);
  }
  if (tags?.pipelineIds !== undefined) {
    if (tags.pipelineIds.length === 0) problems.push(`[${n.sessionTags}.pipelineIds] must not be an empty list; omit it to skip the pipeline_id tag`);
    if (tags.pipelineIds.some((id) => id.trim() === "")) problems.push(`[${n.sessionTags}.pipelineIds] must not contain empty IDs`);
  }
  return problems;
}

/** Whether a trust policy built from these session-tag options needs `sts:TagSession`. */
export function usesSessionTags(tags: BuildkiteSessionTags | undefined): boolean {
  return tags?.organizationId !== undefined || tags?.pipelineIds !== undefined;
}

/**
 * The trust policy that lets Buildkite jobs of the given pipelines assume a role with
 * `sts:AssumeRoleWithWebIdentity`.
 *
 * - `StringEquals` on `agent.buildkite.com:aud` (the audience);
 * - `StringLike` on `agent.buildkite.com:sub`, one {@link buildkiteSubject} per pipeline (and
 *   per branch when `branches` is given);
 * - with `sessionTags`: `sts:TagSession` and `StringEquals` on `aws:RequestTag/organization_id`
 *   and/or `aws:RequestTag/pipeline_id`.
 *
 * @throws Error (naming the argument and quoting the value) when the organization or pipeline
 *   list is empty, a value contains a wildcard, or the provider ARN is not Buildkite's.
 */
export function buildkiteTrustPolicy(args: BuildkiteTrustPolicyArgs): PolicyDocument {
  const problems = buildkiteTrustPolicyProblems(args);
  if (problems.length > 0) throw new Error(`Invalid Buildkite trust policy:\n- ${problems.join("\n- ")}`);
  const pipelines = unique(args.pipelines);
  const branches = args.branches === undefined ? [undefined] : unique(args.branches.map(branchRef));
  const subjects = pipelines.flatMap((pipeline) =>
    branches.map((branch) => buildkiteSubject({ organization: args.organization, pipeline, branch })),
  );
  const equals: { [key: string]: string | string[] } = { [BUILDKITE_AUD_KEY]: args.audience ?? STS_AUDIENCE };
  const tags = args.sessionTags;
  if (tags?.organizationId !== undefined) equals["aws:RequestTag/organization_id"] = tags.organizationId;
  if (tags?.pipelineIds !== undefined) {
    const ids = unique(tags.pipelineIds);
    equals["aws:RequestTag/pipeline_id"] = ids.length === 1 ? ids[0] : ids;
  }
  const actions = usesSessionTags(tags) ? ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] : ["sts:AssumeRoleWithWebIdentity"];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BuildkiteOidc",
        Effect: "Allow",
        Principal: { Federated: args.providerArn },
        Action: actions,
        Condition: { StringEquals: equals, StringLike: { [BUILDKITE_SUB_KEY]: subjects } },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Validators (CDK style: return problems, never throw)
// ---------------------------------------------------------------------------------------------

const label = (s: PolicyStatement, i: number): string => `statement ${s.Sid !== undefined ? q(s.Sid) : `#${i}`}`;

function documentProblems(doc: PolicyDocument): string[] {
  const problems: string[] = [];
  if (doc.Version !== "2012-10-17") problems.push(`[Version] must be "2012-10-17" (got: ${q(String(doc.Version))})`);
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) problems.push("policy has no statements");
  return problems;
}

/**
 * Problems that make `doc` unfit as a least-privilege identity policy:
 * `NotAction`/`NotResource`, principals, statements without resources, wildcard actions, and
 * wildcard resources on anything but `ecr:GetAuthorizationToken`.
 */
export function validateIdentityPolicy(doc: PolicyDocument): string[] {
  const problems = documentProblems(doc);
  (doc.Statement ?? []).forEach((s, i) => {
    const at = label(s, i);
    const actions = asList(s.Action);
    const resources = asList(s.Resource);
    if (s.Principal !== undefined) problems.push(`${at}: identity policies must not name a Principal`);
    if (s.NotAction !== undefined) problems.push(`${at}: NotAction is not allowed; list actions explicitly`);
    if (s.NotResource !== undefined) problems.push(`${at}: NotResource is not allowed; list resources explicitly`);
    if (actions.length === 0 && s.NotAction === undefined) problems.push(`${at}: must list at least one action`);
    if (resources.length === 0 && s.NotResource === undefined) problems.push(`${at}: must name at least one resource`);
    if (s.Effect !== "Allow") return;
    for (const a of actions) if (WILDCARD.test(a)) problems.push(`${at}: wildcard action ${q(a)} is not allowed`);
    const tokenOnly = actions.length > 0 && actions.every((a) => a === ECR_AUTH_TOKEN_ACTION);
    for (const r of resources) {
      if (r === "*" && !tokenOnly) problems.push(`${at}: resource "*" is only allowed for ${ECR_AUTH_TOKEN_ACTION}`);
      else if (r !== "*" && WILDCARD.test(r)) problems.push(`${at}: wildcard resource ${q(r)} is not allowed`);
    }
    if (actions.includes(ECR_AUTH_TOKEN_ACTION) && !resources.includes("*") && resources.length > 0) {
      problems.push(`${at}: ${ECR_AUTH_TOKEN_ACTION} cannot be scoped to a repository; use resource "*"`);
    }
  });
  return problems;
}

const SCOPED_SUBJECT = /^organization:[^:*?\s]+:pipeline:[^:*?\s]+:ref:/;
const TRUST_ACTIONS = new Set(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]);

/**
 * Problems that make `doc` unfit as a Buildkite OIDC trust policy. Every `Allow` statement must
 * trust a federated principal with `sts:AssumeRoleWithWebIdentity` (optionally
 * `sts:TagSession`), require `StringEquals` `agent.buildkite.com:aud` = `sts.amazonaws.com`,
 * and carry a `sub` condition whose every value is `organization:ORG:pipeline:PIPE:ref:...`
 * with no wildcard before the ref segment.
 */
export function validateTrustPolicy(doc: PolicyDocument): string[] {
  const problems = documentProblems(doc);
  const allows = (doc.Statement ?? []).filter((s) => s.Effect === "Allow");
  if (problems.length === 0 && allows.length === 0) problems.push("policy has no Allow statement");
  (doc.Statement ?? []).forEach((s, i) => {
    if (s.Effect !== "Allow") return;
    const at = label(s, i);
    const p = s.Principal;
    if (p === undefined || p === "*" || !("Federated" in p) || asList(p.Federated).length === 0) {
      problems.push(`${at}: must trust a federated OIDC provider (Principal.Federated)`);
    }
    if (s.NotAction !== undefined) problems.push(`${at}: NotAction is not allowed; list actions explicitly`);
    const actions = asList(s.Action);
    for (const a of actions) if (!TRUST_ACTIONS.has(a)) problems.push(`${at}: action ${q(a)} is not allowed in a Buildkite OIDC trust policy`);
    if (!actions.includes("sts:AssumeRoleWithWebIdentity")) problems.push(`${at}: must allow sts:AssumeRoleWithWebIdentity`);
    const cond = s.Condition ?? {};
    const aud = asList(cond.StringEquals?.[BUILDKITE_AUD_KEY]);
    if (aud.length === 0 || aud.some((v) => v !== STS_AUDIENCE)) {
      problems.push(`${at}: needs StringEquals ${q(BUILDKITE_AUD_KEY)} = ${q(STS_AUDIENCE)}`);
    }
    const subjects: string[] = [];
    for (const [operator, keys] of Object.entries(cond)) {
      if (!(BUILDKITE_SUB_KEY in keys)) continue;
      if (operator !== "StringEquals" && operator !== "StringLike") {
        problems.push(`${at}: ${q(BUILDKITE_SUB_KEY)} must use StringEquals or StringLike (got: ${q(operator)})`);
        continue;
      }
      subjects.push(...asList(keys[BUILDKITE_SUB_KEY]));
    }
    if (subjects.length === 0) problems.push(`${at}: needs a ${q(BUILDKITE_SUB_KEY)} condition`);
    for (const sub of subjects) {
      if (!SCOPED_SUBJECT.test(sub)) {
        problems.push(`${at}: subject ${q(sub)} must start with organization:ORG:pipeline:PIPE:ref: with no wildcard before the ref`);
      }
    }
  });
  return problems;
}
