/**
 * Pure description of a Depot OIDC trust relationship for a Buildkite pipeline, for
 * configuration-only mode: without a Depot organization token the stack cannot create trust
 * policies, so it exports the list of relationships for someone to add in Depot's dashboard
 * (project → Settings → Trust relationships → Buildkite).
 */

/** One Buildkite trust relationship on a Depot project. Slugs are matched exactly against Buildkite's OIDC claims. */
export interface DepotTrustRelationship {
  projectId: string;
  organizationSlug: string;
  pipelineSlug: string;
}

/** Buildkite slugs: lower-case letters, digits, `-` and `_`. */
const SLUG = /^[a-z0-9][a-z0-9_-]*$/;

/** Problems with a relationship (empty when valid). Unresolved values are not passed here: validate resolved strings only. */
export function validateDepotTrustRelationship(r: DepotTrustRelationship): string[] {
  const problems: string[] = [];
  if (!r.projectId.trim()) problems.push("[projectId] is required");
  for (const key of ["organizationSlug", "pipelineSlug"] as const) {
    if (!SLUG.test(r[key])) {
      problems.push(`[${key}] must be a Buildkite slug exactly as Buildkite shows it (lower-case letters, digits, '-' or '_'): "${r[key]}"`);
    }
  }
  return problems;
}

/**
 * Build a trust relationship record (configuration-only mode). Throws one error listing every
 * problem, e.g. an upper-case slug that Buildkite's token would never match.
 */
export function depotTrustRelationship(projectId: string, organizationSlug: string, pipelineSlug: string): DepotTrustRelationship {
  const r: DepotTrustRelationship = { projectId, organizationSlug, pipelineSlug };
  const problems = validateDepotTrustRelationship(r);
  if (problems.length) throw new Error(`Invalid Depot trust relationship: ${problems.join("; ")}`);
  return r;
}

/** One line for humans: `buildkite acme/web-app -> depot project abc123`. */
export function describeDepotTrustRelationship(r: DepotTrustRelationship): string {
  return `buildkite ${r.organizationSlug}/${r.pipelineSlug} -> depot project ${r.projectId}`;
}
