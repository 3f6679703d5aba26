import { describe, expect, it } from "vitest";
import { branchTagBudget, parseTagTemplate, tagTemplateProblems, tagVariables, tagWordParts } from "../../components/pipeline/tags";
import { isValidStepKey } from "../../components/pipeline/validate";

describe("tagTemplateProblems", () => {
  it.each([
    ["latest"],
    ["{short_commit}"],
    ["{commit}"],
    ["build-{build_number}"],
    ["br-{branch}"],
    ["{tag}"],
    ["v1.2.3_rc-1"],
    ["_private"],
  ])("%s is fine", (tag) => {
    expect(tagTemplateProblems(tag)).toEqual([]);
  });

  it.each([
    ["{sha}", ['tag "{sha}": unknown variable {sha} (known: {commit}, {short_commit}, {branch}, {build_number}, {tag})']],
    ["x{commit", ['tag "x{commit": unbalanced "{" or "}"']],
    ["feature/x", ['tag "feature/x": characters "/" are not allowed in a Docker tag ([A-Za-z0-9_.-])']],
    ["a b:c", ['tag "a b:c": characters " " ":" are not allowed in a Docker tag ([A-Za-z0-9_.-])']],
    ["$HOME", ['tag "$HOME": characters "$" are not allowed in a Docker tag ([A-Za-z0-9_.-])']],
    ["-latest", ['tag "-latest": must start with a letter, digit or "_" (e.g. "-latest")']],
    [".{commit}", ['tag ".{commit}": must start with a letter, digit or "_" (e.g. ".0123456789abcdef0123456789abcdef01234567")']],
    ["", ["tag is empty"]],
    ["x".repeat(100) + "{commit}", [`tag "${"x".repeat(100)}{commit}": can be 140 characters long; Docker tags are at most 128`]],
  ])("%s -> %j", (tag, problems) => {
    expect(tagTemplateProblems(tag)).toEqual(problems);
  });

  it("parses variables and literals", () => {
    expect(parseTagTemplate("a-{commit}-{branch}")).toEqual({
      parts: [{ text: "a-" }, { variable: "commit" }, { text: "-" }, { variable: "branch" }],
      problems: [],
    });
    expect(tagVariables("{tag}-{short_commit}")).toEqual(["tag", "short_commit"]);
    expect(tagWordParts("v{build_number}")).toEqual([{ text: "v" }, { param: "BUILDKITE_BUILD_NUMBER" }]);
    expect(() => tagWordParts("{nope}")).toThrow("unknown variable {nope}");
  });

  it("budgets the branch so the whole tag stays within 128 characters", () => {
    expect(branchTagBudget(["latest"])).toBe(128);
    expect(branchTagBudget(["{branch}"])).toBe(128);
    expect(branchTagBudget(["br-{branch}"])).toBe(125);
    expect(branchTagBudget(["{branch}-{commit}"])).toBe(87);
    expect(branchTagBudget(["{branch}-{branch}"])).toBe(63);
    expect(branchTagBudget(["{branch}", "x".repeat(200) + "{branch}"])).toBe(1);
  });
});

describe("isValidStepKey", () => {
  it.each([
    ["api", true],
    ["api:linux,arm64.v2_x-y", true],
    ["a".repeat(100), true],
    ["a".repeat(101), false],
    ["", false],
    ["has space", false],
    ["${KEY}", false],
    ["a/b", false],
    ["0190e8f0-1234-4abc-8def-0123456789ab", false],
  ])("%s -> %s", (key, ok) => {
    expect(isValidStepKey(key)).toBe(ok);
  });
});
