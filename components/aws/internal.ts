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

/** The ECR push policy as a JSON string, rendered once every repository ARN is known. */
export function ecrPushPolicyJson(
  push: readonly pulumi.Input<string>[],
  pull: readonly pulumi.Input<string>[] | undefined,
): pulumi.Output<string> {
  return pulumi
    .all([pulumi.all([...push]), pulumi.all([...(pull ?? [])])])
    .apply(([pushArns, pullArns]) =>
      JSON.stringify(ecrPushPolicy({ pushRepositoryArns: pushArns, pullRepositoryArns: pullArns })),
    );
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
