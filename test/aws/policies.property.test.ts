import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildkiteTrustPolicy, validateTrustPolicy, type BuildkiteTrustPolicyArgs } from "../../components/aws/policies";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com";
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,30}$/);
const branch = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,30}$/).filter((b) => !b.startsWith("refs/"));
const validArgs: fc.Arbitrary<BuildkiteTrustPolicyArgs> = fc.record(
  {
    providerArn: fc.constant(PROVIDER),
    organization: slug,
    pipelines: fc.array(slug, { minLength: 1, maxLength: 4 }),
    branches: fc.array(branch, { minLength: 1, maxLength: 3 }),
    sessionTags: fc.record({ organizationId: fc.uuid(), pipelineIds: fc.array(fc.uuid(), { minLength: 1, maxLength: 3 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: ["providerArn", "organization", "pipelines"] },
);

/** Insert a wildcard somewhere into a string. */
const withWildcard = (s: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(s, fc.constantFrom("*", "?"), fc.nat()).map(([v, w, i]) => {
    const at = i % (v.length + 1);
    return `${v.slice(0, at)}${w}${v.slice(at)}`;
  });

describe("buildkiteTrustPolicy properties", () => {
  it("every generated policy has aud and an org+pipeline-scoped sub for every pipeline, and validates", () => {
    fc.assert(
      fc.property(validArgs, (args) => {
        const doc = buildkiteTrustPolicy(args);
        expect(validateTrustPolicy(doc)).toEqual([]);
        expect(doc.Statement).toHaveLength(1);
        const cond = doc.Statement[0].Condition ?? {};
        expect(cond.StringEquals?.["agent.buildkite.com:aud"]).toBe("sts.amazonaws.com");
        const subs = cond.StringLike?.["agent.buildkite.com:sub"];
        expect(Array.isArray(subs) && subs.length > 0).toBe(true);
        for (const sub of subs as string[]) {
          const m = /^organization:([^:]+):pipeline:([^:]+):ref:([^:]+):commit:\*:step:\*$/.exec(sub);
          expect(m).not.toBeNull();
          expect(m?.[1]).toBe(args.organization);
          expect(args.pipelines).toContain(m?.[2]);
          // wildcards only after the ref segment starts
          expect(/[*?]/.test(`${m?.[1]}${m?.[2]}`)).toBe(false);
          if (args.branches !== undefined) expect(m?.[3]).toMatch(/^refs\/heads\/[^*?]+$/);
          else expect(m?.[3]).toBe("*");
        }
        for (const p of new Set(args.pipelines)) {
          expect((subs as string[]).some((s) => s.startsWith(`organization:${args.organization}:pipeline:${p}:ref:`))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a wildcard in the organization, any pipeline or any branch", () => {
    const bad = fc.oneof(
      fc.tuple(validArgs, withWildcard(slug)).map(([a, org]) => ({ ...a, organization: org })),
      fc.tuple(validArgs, withWildcard(slug), fc.nat()).map(([a, p, i]) => {
        const pipelines = [...a.pipelines];
        pipelines.splice(i % (pipelines.length + 1), 0, p);
        return { ...a, pipelines };
      }),
      fc.tuple(validArgs, withWildcard(branch)).map(([a, b]) => ({ ...a, branches: [...(a.branches ?? []), b] })),
    );
    fc.assert(
      fc.property(bad, (args) => {
        expect(() => buildkiteTrustPolicy(args)).toThrow(/must not contain wildcards \("\*" or "\?"\) \(got: ".*[*?].*"\)/);
      }),
      { numRuns: 300 },
    );
  });
});
