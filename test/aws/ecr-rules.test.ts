import { describe, expect, it } from "vitest";
import {
  buildLifecyclePolicy,
  isMovingTag,
  movingTagProblems,
  validateRepositoryName,
  type LifecyclePolicyDocument,
} from "../../components/aws/ecr-rules";

const UNTAGGED_14 = {
  rulePriority: 100,
  description: "Expire untagged images 14 days after push",
  selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
  action: { type: "expire" },
};

describe("validateRepositoryName", () => {
  it.each(["ab", "web", "acme/web-app", "a.b_c-d/e", "x".repeat(256), "team/sub/deep"])("accepts %s", (name) => {
    expect(validateRepositoryName(name)).toEqual([]);
  });

  const pattern =
    '[name] must be lowercase letters and digits separated by single ".", "_", "-" or "/" (pattern (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)';
  it.each<[string, string[]]>([
    ["a", ['[name] must be 2 to 256 characters long (got 1: "a")']],
    ["x".repeat(257), [`[name] must be 2 to 256 characters long (got 257: "${"x".repeat(257)}")`]],
    ["Web", [`${pattern} (got: "Web")`]],
    ["web//app", [`${pattern} (got: "web//app")`]],
    ["web-", [`${pattern} (got: "web-")`]],
    ["/web", [`${pattern} (got: "/web")`]],
    ["we..b", [`${pattern} (got: "we..b")`]],
    ["", ['[name] must be 2 to 256 characters long (got 0: "")', `${pattern} (got: "")`]],
  ])("refuses %j", (name, expected) => {
    expect(validateRepositoryName(name)).toEqual(expected);
  });
});

describe("buildLifecyclePolicy", () => {
  it.each<[string, Parameters<typeof buildLifecyclePolicy>[0], LifecyclePolicyDocument]>([
    ["defaults: expire untagged after 14 days", {}, { rules: [UNTAGGED_14] } as LifecyclePolicyDocument],
    [
      "keepTagged adds a tagged count rule after the untagged default",
      { untaggedExpireDays: 3, keepTagged: 50 },
      {
        rules: [
          { ...UNTAGGED_14, description: "Expire untagged images 3 days after push", selection: { ...UNTAGGED_14.selection, countNumber: 3 } },
          {
            rulePriority: 101,
            description: "Keep the newest 50 tagged images",
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 50 },
            action: { type: "expire" },
          },
        ],
      } as LifecyclePolicyDocument,
    ],
    [
      "user rules first in order, a user untagged rule replaces the default, any rule last",
      {
        keepTagged: 10,
        rules: [
          { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 500, description: "cap" },
          { tagStatus: "tagged", tagPrefixList: ["release-"], countType: "imageCountMoreThan", countNumber: 5 },
          { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 },
          { tagStatus: "tagged", tagPatternList: ["pr-*"], countType: "sinceImagePushed", countNumber: 7 },
        ],
      },
      {
        rules: [
          {
            rulePriority: 1,
            description: "Keep the newest 5 tagged release-* images",
            selection: { tagStatus: "tagged", tagPrefixList: ["release-"], countType: "imageCountMoreThan", countNumber: 5 },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: "Keep the newest 1 untagged images",
            selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 },
            action: { type: "expire" },
          },
          {
            rulePriority: 3,
            description: "Expire tagged pr-* images 7 days after push",
            selection: { tagStatus: "tagged", tagPatternList: ["pr-*"], countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
            action: { type: "expire" },
          },
          {
            rulePriority: 101,
            description: "Keep the newest 10 tagged images",
            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 10 },
            action: { type: "expire" },
          },
          {
            rulePriority: 1000,
            description: "cap",
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 500 },
            action: { type: "expire" },
          },
        ],
      } as LifecyclePolicyDocument,
    ],
  ])("%s", (_, args, expected) => {
    const doc = buildLifecyclePolicy(args);
    expect(doc).toEqual(expected);
    // ECR: priorities are unique and the "any" rule has the highest.
    const priorities = doc.rules.map((r) => r.rulePriority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect([...priorities].sort((a, b) => a - b)).toEqual(priorities);
  });

  it("default priorities do not move when user rules are added", () => {
    const before = buildLifecyclePolicy({ keepTagged: 5 }).rules.map((r) => r.rulePriority);
    const after = buildLifecyclePolicy({
      keepTagged: 5,
      rules: [{ tagStatus: "tagged", tagPrefixList: ["v"], countType: "imageCountMoreThan", countNumber: 3 }],
    }).rules.map((r) => r.rulePriority);
    expect(before).toEqual([100, 101]);
    expect(after).toEqual([1, 100, 101]);
  });

  it("serialises with keys in a stable order", () => {
    expect(JSON.stringify(buildLifecyclePolicy())).toBe(
      '{"rules":[{"rulePriority":100,"description":"Expire untagged images 14 days after push","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}',
    );
  });

  it.each<[Parameters<typeof buildLifecyclePolicy>[0], string]>([
    [{ untaggedExpireDays: 0 }, "[untaggedExpireDays] must be a positive whole number of days (got: 0)"],
    [{ keepTagged: 1.5 }, "[keepTagged] must be a positive whole number of images (got: 1.5)"],
    [
      {
        rules: [
          { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 },
          { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 2 },
        ],
      },
      '[rules] may contain at most one rule with tagStatus "any"',
    ],
    [{ rules: [{ tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 1 }] }, '[rules[0]] a "tagged" rule needs tagPatternList or tagPrefixList'],
    [
      { rules: [{ tagStatus: "untagged", tagPrefixList: ["x"], countType: "imageCountMoreThan", countNumber: 1 }] },
      '[rules[0]] tagPatternList and tagPrefixList are only allowed with tagStatus "tagged" (got: "untagged")',
    ],
    [
      { rules: [{ tagStatus: "tagged", tagPrefixList: ["x"], tagPatternList: ["y*"], countType: "imageCountMoreThan", countNumber: 1 }] },
      "[rules[0]] use either tagPatternList or tagPrefixList, not both",
    ],
    [{ rules: [{ tagStatus: "untagged", countType: "sinceImagePushed", countNumber: -1 }] }, "[rules[0]] countNumber must be a positive whole number (got: -1)"],
  ])("refuses %j", (args, message) => {
    expect(() => buildLifecyclePolicy(args)).toThrow(message);
  });
});

describe("movingTagProblems", () => {
  it.each([
    ["latest", true],
    ["main", true],
    ["{branch}", true],
    ["{branch}-latest", true],
    ["{commit}", false],
    ["{short_commit}", false],
    ["{branch}-{build_number}", false],
    ["v{tag}", false],
    ["commit", true],
  ])("%s moving=%s", (tag, moving) => {
    expect(isMovingTag(tag)).toBe(moving);
  });

  it("reports each moving tag with the fix", () => {
    expect(movingTagProblems(["latest", "{short_commit}", "{branch}"])).toEqual([
      'tag "latest" moves between builds and cannot be pushed to an IMMUTABLE repository; include one of {commit}, {short_commit}, {build_number}, {tag}',
      'tag "{branch}" moves between builds and cannot be pushed to an IMMUTABLE repository; include one of {commit}, {short_commit}, {build_number}, {tag}',
    ]);
    expect(movingTagProblems([])).toEqual([]);
  });
});
