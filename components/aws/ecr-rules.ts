/**
 * Pure ECR rules: repository name validation, lifecycle policy documents, and the check that
 * keeps moving tags (`latest`, `{branch}`) away from IMMUTABLE repositories.
 *
 * Nothing here creates a resource; see `ecr-repository.ts` for the component.
 */

/** ECR's repository name pattern (without anchors), as documented for `CreateRepository`. */
export const REPOSITORY_NAME_PATTERN = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*";
const REPOSITORY_NAME = new RegExp(`^${REPOSITORY_NAME_PATTERN}$`);

const q = (v: string): string => JSON.stringify(v);

/**
 * Problems with an ECR repository name: 2 to 256 characters, lowercase letters and digits
 * separated by single `.`, `_`, `-` or `/`.
 * @example validateRepositoryName("team/web-app") // []
 */
export function validateRepositoryName(name: string, argName = "name"): string[] {
  const problems: string[] = [];
  if (name.length < 2 || name.length > 256) {
    problems.push(`[${argName}] must be 2 to 256 characters long (got ${name.length}: ${q(name)})`);
  }
  if (!REPOSITORY_NAME.test(name)) {
    problems.push(
      `[${argName}] must be lowercase letters and digits separated by single ".", "_", "-" or "/" (pattern ${REPOSITORY_NAME_PATTERN}) (got: ${q(name)})`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle policy
// ---------------------------------------------------------------------------------------------

/** Which images a lifecycle rule selects. */
export const LifecycleTagStatus = { Tagged: "tagged", Untagged: "untagged", Any: "any" } as const;
export type LifecycleTagStatus = (typeof LifecycleTagStatus)[keyof typeof LifecycleTagStatus];

/** How a lifecycle rule counts: keep the newest N images, or expire images older than N days. */
export const LifecycleCountType = { ImageCountMoreThan: "imageCountMoreThan", SinceImagePushed: "sinceImagePushed" } as const;
export type LifecycleCountType = (typeof LifecycleCountType)[keyof typeof LifecycleCountType];

/** A lifecycle rule as users write it. Priorities are assigned by {@link buildLifecyclePolicy}. */
export interface LifecycleRuleArgs {
  /**
   * Shown in the ECR console.
   * @default generated from the rule, e.g. "Keep the newest 10 tagged pr-* images"
   */
  description?: string;
  /** `tagged` needs `tagPatternList` or `tagPrefixList`; `any` must be the only such rule. */
  tagStatus: LifecycleTagStatus;
  /**
   * Tag patterns (`*` wildcards) for `tagged` rules, e.g. `["pr-*"]`. Not together with
   * `tagPrefixList`.
   * @default none
   */
  tagPatternList?: string[];
  /**
   * Tag prefixes for `tagged` rules, e.g. `["release-"]`. Not together with `tagPatternList`.
   * @default none
   */
  tagPrefixList?: string[];
  /** `imageCountMoreThan` (keep the newest `countNumber`) or `sinceImagePushed` (days). */
  countType: LifecycleCountType;
  /** A positive whole number: images to keep, or days since push. */
  countNumber: number;
}

export interface LifecyclePolicyArgs {
  /** Expire untagged images this many days after push. @default 14 */
  untaggedExpireDays?: number;
  /** Keep only the newest N tagged images (every tag). @default undefined: tagged images never expire by count */
  keepTagged?: number;
  /** Extra rules, evaluated before the defaults. A user `untagged` rule replaces the untagged default. */
  rules?: LifecycleRuleArgs[];
}

/** One rule of an ECR lifecycle policy document. */
export interface LifecyclePolicyRule {
  rulePriority: number;
  description: string;
  selection: {
    tagStatus: LifecycleTagStatus;
    tagPatternList?: string[];
    tagPrefixList?: string[];
    countType: LifecycleCountType;
    countUnit?: "days";
    countNumber: number;
  };
  action: { type: "expire" };
}

/** An ECR lifecycle policy document: `JSON.stringify` it into `aws.ecr.LifecyclePolicy.policy`. */
export interface LifecyclePolicyDocument {
  rules: LifecyclePolicyRule[];
}

/** Default days after which untagged images expire. */
export const DEFAULT_UNTAGGED_EXPIRE_DAYS = 14;

/**
 * Fixed priorities, so adding or removing a user rule never renumbers the defaults:
 * user rules (other than `any`) take 1, 2, ... in the order given; the untagged default is
 * always 100, the keep-tagged default 101; the `any` rule (if any) is always 1000, the highest,
 * as ECR requires.
 */
export const LIFECYCLE_PRIORITY = { untaggedDefault: 100, keepTaggedDefault: 101, any: 1000 } as const;

const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

/** Problems with the arguments of {@link buildLifecyclePolicy}. */
export function lifecyclePolicyProblems(args: LifecyclePolicyArgs, prefix = ""): string[] {
  const problems: string[] = [];
  const p = (name: string): string => `[${prefix}${name}]`;
  if (args.untaggedExpireDays !== undefined && !isPositiveInt(args.untaggedExpireDays)) {
    problems.push(`${p("untaggedExpireDays")} must be a positive whole number of days (got: ${args.untaggedExpireDays})`);
  }
  if (args.keepTagged !== undefined && !isPositiveInt(args.keepTagged)) {
    problems.push(`${p("keepTagged")} must be a positive whole number of images (got: ${args.keepTagged})`);
  }
  const rules = args.rules ?? [];
  if (rules.filter((r) => r.tagStatus === "any").length > 1) problems.push(`${p("rules")} may contain at most one rule with tagStatus "any"`);
  if (rules.filter((r) => r.tagStatus !== "any").length >= LIFECYCLE_PRIORITY.untaggedDefault) {
    problems.push(`${p("rules")} may contain at most ${LIFECYCLE_PRIORITY.untaggedDefault - 1} rules besides the "any" rule`);
  }
  rules.forEach((r, i) => {
    const at = p(`rules[${i}]`);
    if (!isPositiveInt(r.countNumber)) problems.push(`${at} countNumber must be a positive whole number (got: ${r.countNumber})`);
    const lists = [...(r.tagPatternList ?? []), ...(r.tagPrefixList ?? [])];
    if (r.tagStatus === "tagged" && lists.length === 0) problems.push(`${at} a "tagged" rule needs tagPatternList or tagPrefixList`);
    if (r.tagStatus !== "tagged" && (r.tagPatternList !== undefined || r.tagPrefixList !== undefined)) {
      problems.push(`${at} tagPatternList and tagPrefixList are only allowed with tagStatus "tagged" (got: ${q(r.tagStatus)})`);
    }
    if (r.tagPatternList !== undefined && r.tagPrefixList !== undefined) {
      problems.push(`${at} use either tagPatternList or tagPrefixList, not both`);
    }
  });
  return problems;
}

function toRule(priority: number, r: LifecycleRuleArgs): LifecyclePolicyRule {
  const selection: LifecyclePolicyRule["selection"] = {
    tagStatus: r.tagStatus,
    ...(r.tagPatternList !== undefined ? { tagPatternList: [...r.tagPatternList] } : {}),
    ...(r.tagPrefixList !== undefined ? { tagPrefixList: [...r.tagPrefixList] } : {}),
    countType: r.countType,
    ...(r.countType === "sinceImagePushed" ? { countUnit: "days" as const } : {}),
    countNumber: r.countNumber,
  };
  const description = r.description ?? describe(r);
  return { rulePriority: priority, description, selection, action: { type: "expire" } };
}

function describe(r: LifecycleRuleArgs): string {
  const which = r.tagStatus === "tagged" ? `tagged ${[...(r.tagPatternList ?? []), ...(r.tagPrefixList ?? []).map((x) => `${x}*`)].join(", ")}` : r.tagStatus;
  return r.countType === "sinceImagePushed"
    ? `Expire ${which} images ${r.countNumber} days after push`
    : `Keep the newest ${r.countNumber} ${which} images`;
}

/**
 * Build an ECR lifecycle policy document.
 *
 * Rules, by priority: the user's rules in the order given (1, 2, ...); then, unless the user
 * wrote an `untagged` rule, "expire untagged images after `untaggedExpireDays`" (100); then, when
 * `keepTagged` is set, "keep the newest `keepTagged` tagged images" (101); then the user's
 * `tagStatus: "any"` rule, always last (1000).
 *
 * @throws Error listing every problem with the arguments.
 */
export function buildLifecyclePolicy(args: LifecyclePolicyArgs = {}): LifecyclePolicyDocument {
  const problems = lifecyclePolicyProblems(args);
  if (problems.length > 0) throw new Error(`Invalid ECR lifecycle policy:\n- ${problems.join("\n- ")}`);
  const user = args.rules ?? [];
  const ordered = user.filter((r) => r.tagStatus !== "any");
  const rules = ordered.map((r, i) => toRule(i + 1, r));
  if (!user.some((r) => r.tagStatus === "untagged")) {
    rules.push(
      toRule(LIFECYCLE_PRIORITY.untaggedDefault, {
        tagStatus: "untagged",
        countType: "sinceImagePushed",
        countNumber: args.untaggedExpireDays ?? DEFAULT_UNTAGGED_EXPIRE_DAYS,
      }),
    );
  }
  if (args.keepTagged !== undefined) {
    rules.push(
      toRule(LIFECYCLE_PRIORITY.keepTaggedDefault, {
        description: `Keep the newest ${args.keepTagged} tagged images`,
        tagStatus: "tagged",
        tagPatternList: ["*"],
        countType: "imageCountMoreThan",
        countNumber: args.keepTagged,
      }),
    );
  }
  const any = user.find((r) => r.tagStatus === "any");
  if (any !== undefined) rules.push(toRule(LIFECYCLE_PRIORITY.any, any));
  return { rules };
}

// ---------------------------------------------------------------------------------------------
// Immutable tags
// ---------------------------------------------------------------------------------------------

/**
 * Tag template variables whose value is fixed for one build, so a tag that includes one never
 * points at two different images.
 */
export const PER_BUILD_TAG_VARIABLES = ["commit", "short_commit", "build_number", "tag"] as const;

/** Whether a tag template (e.g. `latest`, `{branch}`, `{short_commit}`) names a different image on each build. */
export function isMovingTag(tag: string): boolean {
  return !PER_BUILD_TAG_VARIABLES.some((v) => tag.includes(`{${v}}`));
}

/**
 * One problem per tag template that moves between builds (`latest`, `main`, `{branch}`): pushing
 * such a tag twice fails on an IMMUTABLE repository. The config layer reports these.
 * @example movingTagProblems(["latest", "{short_commit}"])
 *   // ['tag "latest" moves between builds ...']
 */
export function movingTagProblems(tags: readonly string[]): string[] {
  const vars = PER_BUILD_TAG_VARIABLES.map((v) => `{${v}}`).join(", ");
  return tags
    .filter(isMovingTag)
    .map((t) => `tag ${q(t)} moves between builds and cannot be pushed to an IMMUTABLE repository; include one of ${vars}`);
}
