/**
 * Small helpers shared by the AWS components. Not part of the public API.
 * @internal
 */
import * as pulumi from "@pulumi/pulumi";
import { ecrPushPolicy, ecrRepositoryArnProblems } from "./policies";

/** The values of `inputs` that are already plain strings (Outputs are validated later, when known). */
export function plainStrings(inputs: readonly pulumi.Input<string>[] | undefined): string[] {
  return (inputs ?? []).filter((v): v is string => typeof v === "string");
}

/** Throw one `ResourceError` listing every problem, or do nothing when there are none. */
export function throwIfProblems(kind: string, name: string, problems: readonly string[], resource: pulumi.Resource): void {
  if (problems.length === 0) return;
  throw new pulumi.ResourceError(`${kind} "${name}" has invalid arguments:\n- ${problems.join("\n- ")}`, resource);
}

/**
 * `pulumi.output(value).apply(fn)` for a string Input: an Output's own `apply` when it is one (the
 * same value, secrecy and resources, without re-wrapping it first).
 */
export function applyTo<R>(value: pulumi.Input<string>, fn: (v: string) => R): pulumi.Output<R> {
  return pulumi.Output.isInstance(value) ? value.apply(fn) : pulumi.output(value).apply(fn);
}

/** The ECR push policy as a JSON string, rendered once every repository ARN is known. */
export function ecrPushPolicyJson(
  push: readonly pulumi.Input<string>[],
  pull: readonly pulumi.Input<string>[] | undefined,
): pulumi.Output<string> {
  const pullList = pull ?? [];
  const render = (arns: string[]) =>
    JSON.stringify(ecrPushPolicy({ pushRepositoryArns: arns.slice(0, push.length), pullRepositoryArns: arns.slice(push.length) }));
  // The common case, one repository: that ARN's own `apply`.
  if (push.length === 1 && pullList.length === 0) return applyTo(push[0], (arn) => render([arn]));
  // One `all` over both lists (not one per list and one around them), split again by length.
  return pulumi
    .all([...push, ...pullList])
    .apply(render);
}

/** Problems with push/pull repository ARN lists that can be seen before any Output resolves. */
export function pushPolicyInputProblems(
  push: readonly pulumi.Input<string>[],
  pull: readonly pulumi.Input<string>[] | undefined,
): string[] {
  const problems: string[] = [];
  if (push.length === 0) problems.push("[pushRepositoryArns] must list at least one ECR repository ARN");
  problems.push(...ecrRepositoryArnProblems(plainStrings(push), "pushRepositoryArns"));
  problems.push(...ecrRepositoryArnProblems(plainStrings(pull), "pullRepositoryArns"));
  return problems;
}
