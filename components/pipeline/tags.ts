/**
 * Tag templates: `latest`, `{short_commit}`, `branch-{branch}`. Each `{var}` becomes a runtime shell
 * parameter (escaped as `$${...}` in stored YAML), so Buildkite never interpolates it.
 */
import { TAG_VARIABLES, type TagVariable } from "./model";
import { param, type WordPart } from "./shell";

/** The job variable that holds the tag-safe branch name (only computed when a tag uses `{branch}`). */
export const BRANCH_TAG_VAR = "DEPOT_BK_BRANCH_TAG";

/**
 * The job variable that holds the full SHA of the commit being built (only computed when a tag uses
 * `{commit}` or `{short_commit}`): `BUILDKITE_COMMIT`, or the checkout's `HEAD` when that is not a
 * full SHA (a build started for `HEAD` from the dashboard or the API).
 */
export const COMMIT_TAG_VAR = "DEPOT_BK_COMMIT";

/** The shell parameter each tag variable expands to. */
export const TAG_VARIABLE_PARAMS: Readonly<Record<TagVariable, string>> = {
  commit: COMMIT_TAG_VAR,
  short_commit: `${COMMIT_TAG_VAR}:0:7`,
  branch: BRANCH_TAG_VAR,
  build_number: "BUILDKITE_BUILD_NUMBER",
  tag: "BUILDKITE_TAG",
};

/** Sample runtime values used to check templates (a full 40-character commit, etc.). */
export const TAG_VARIABLE_SAMPLES: Readonly<Record<TagVariable, string>> = {
  commit: "0123456789abcdef0123456789abcdef01234567",
  short_commit: "0123456",
  branch: "main",
  build_number: "1234567890",
  tag: "v1",
};

/** Docker tag grammar (distribution/reference). */
export const DOCKER_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DOCKER_TAG_MAX = 128;

export type TagPart = { text: string } | { variable: TagVariable };

function isTagVariable(name: string): name is TagVariable {
  return (TAG_VARIABLES as readonly string[]).includes(name);
}

/** Split a template into literal text and variables. Problems are returned, not thrown. */
export function parseTagTemplate(template: string): { parts: TagPart[]; problems: string[] } {
  const parts: TagPart[] = [];
  const problems: string[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    const name = m[1];
    if (isTagVariable(name)) {
      parts.push({ variable: name });
    } else {
      problems.push(
        `tag ${JSON.stringify(template)}: unknown variable {${name}} (known: ${TAG_VARIABLES.map((v) => `{${v}}`).join(", ")})`,
      );
      parts.push({ text: m[0] });
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ""))) problems.push(`tag ${JSON.stringify(template)}: unbalanced "{" or "}"`);
  return { parts, problems };
}

/** Longest value a variable can take in a tag (the branch is truncated to fit, see {@link branchTagBudget}). */
const VARIABLE_MAX: Readonly<Record<TagVariable, number>> = {
  commit: 40,
  short_commit: 7,
  branch: 1,
  build_number: 10,
  tag: 1,
};

/**
 * Problems with a tag template: unknown `{var}`, unbalanced braces, characters that are invalid in
 * a Docker tag once variables are substituted, and a length that can exceed 128 characters.
 * Pure: the config layer turns these into warnings or errors.
 */
export function tagTemplateProblems(tag: string): string[] {
  const { parts, problems } = parseTagTemplate(tag);
  if (problems.length > 0) return problems;
  if (tag === "") return ["tag is empty"];
  const sample = parts.map((p) => ("text" in p ? p.text : TAG_VARIABLE_SAMPLES[p.variable])).join("");
  const literal = parts.map((p) => ("text" in p ? p.text : "")).join("");
  const bad = [...new Set([...literal].filter((c) => !/[A-Za-z0-9_.-]/.test(c)))];
  if (bad.length > 0) {
    problems.push(
      `tag ${JSON.stringify(tag)}: characters ${bad.map((c) => JSON.stringify(c)).join(" ")} are not allowed in a Docker tag ([A-Za-z0-9_.-])`,
    );
  } else if (!DOCKER_TAG_PATTERN.test(sample.slice(0, DOCKER_TAG_MAX))) {
    problems.push(`tag ${JSON.stringify(tag)}: must start with a letter, digit or "_" (e.g. ${JSON.stringify(sample)})`);
  }
  const max = parts.reduce((n, p) => n + ("text" in p ? p.text.length : VARIABLE_MAX[p.variable]), 0);
  if (max > DOCKER_TAG_MAX) {
    problems.push(`tag ${JSON.stringify(tag)}: can be ${max} characters long; Docker tags are at most ${DOCKER_TAG_MAX}`);
  }
  return problems;
}

/**
 * The shell parameter each variable expands to in a build-arg or label value: as in tags, except
 * `{branch}`, which is the branch as it is (a value need not be a valid tag).
 */
export const VALUE_VARIABLE_PARAMS: Readonly<Record<TagVariable, string>> = { ...TAG_VARIABLE_PARAMS, branch: "BUILDKITE_BRANCH" };

const KNOWN_VARIABLE = new RegExp(`\\{(${TAG_VARIABLES.join("|")})\\}`, "g");

/**
 * A build-arg or label value -> shell word parts: each known `{variable}` becomes a runtime
 * parameter; everything else, other braces included, stays literal (a value may be JSON).
 */
export function valueWordParts(value: string): WordPart[] {
  const parts: WordPart[] = [];
  let last = 0;
  for (const m of value.matchAll(KNOWN_VARIABLE)) {
    if (m.index > last) parts.push({ text: value.slice(last, m.index) });
    parts.push(param(VALUE_VARIABLE_PARAMS[m[1] as TagVariable]));
    last = m.index + m[0].length;
  }
  if (last < value.length || parts.length === 0) parts.push({ text: value.slice(last) });
  return parts;
}

/** Variables a build-arg or label value uses. */
export function valueVariables(value: string): TagVariable[] {
  return [...value.matchAll(KNOWN_VARIABLE)].map((m) => m[1] as TagVariable);
}

/** Tag parts -> shell word parts (variables become runtime parameters). */
export function tagWordParts(template: string): WordPart[] {
  const { parts, problems } = parseTagTemplate(template);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return parts.map((p) => ("text" in p ? { text: p.text } : param(TAG_VARIABLE_PARAMS[p.variable])));
}

/** Variables a template uses. */
export function tagVariables(template: string): TagVariable[] {
  return parseTagTemplate(template).parts.flatMap((p) => ("variable" in p ? [p.variable] : []));
}

/**
 * How many characters of the sanitised branch fit into every template that uses `{branch}`, so the
 * whole tag stays within 128 characters. At least 1.
 */
export function branchTagBudget(templates: string[]): number {
  let budget = DOCKER_TAG_MAX;
  for (const t of templates) {
    const { parts } = parseTagTemplate(t);
    const branches = parts.filter((p) => "variable" in p && p.variable === "branch").length;
    if (branches === 0) continue;
    const fixed = parts.reduce(
      (n, p) => n + ("text" in p ? p.text.length : p.variable === "branch" ? 0 : VARIABLE_MAX[p.variable]),
      0,
    );
    budget = Math.min(budget, Math.floor((DOCKER_TAG_MAX - fixed) / branches));
  }
  return Math.max(1, budget);
}
