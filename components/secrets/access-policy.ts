/**
 * Buildkite cluster secret access policies (pure). A policy is a YAML list of rules; a build gets
 * the secret when any rule matches, and a rule matches when all its claims match.
 */
import { stringify } from "yaml";
import { atPath, validateBranchPattern, validateSlug } from "./validation";

export interface SecretAccessPolicyArgs {
  /** Pipeline slugs admitted (claim `pipeline_slug`). At least one. */
  pipelineSlugs: string[];
  /**
   * Branches admitted (claim `build_branch`; `*` is a wildcard). Omit to admit every branch;
   * an empty list is refused because it would read as "no restriction" or "nothing".
   * @default every branch
   */
  branches?: string[];
}

/**
 * One-rule access policy admitting only `pipelineSlugs` (and only `branches`, when given).
 * Strings are always double-quoted so YAML 1.1 readers never turn `yes` or `123` into non-strings.
 *
 * @example
 * secretAccessPolicy({ pipelineSlugs: ["web-app"], branches: ["main"] })
 * // - pipeline_slug:
 * //     - "web-app"
 * //   build_branch:
 * //     - "main"
 */
export function secretAccessPolicy(args: SecretAccessPolicyArgs): string {
  const problems: string[] = [];
  if (args.pipelineSlugs.length === 0) problems.push("[pipelineSlugs] must name at least one pipeline");
  args.pipelineSlugs.forEach((s, i) => problems.push(...atPath(`pipelineSlugs[${i}]`, validateSlug(s))));
  if (args.branches !== undefined) {
    if (args.branches.length === 0) problems.push("[branches] must not be empty; omit it to admit every branch");
    args.branches.forEach((b, i) => problems.push(...atPath(`branches[${i}]`, validateBranchPattern(b))));
  }
  if (problems.length > 0) throw new Error(`secretAccessPolicy: ${problems.join("; ")}`);

  const rule: Record<string, string[]> = { pipeline_slug: [...args.pipelineSlugs] };
  if (args.branches !== undefined) rule.build_branch = [...args.branches];
  return stringify([rule], { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}
