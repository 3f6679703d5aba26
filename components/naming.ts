/**
 * Pure naming helpers shared by components and the stack program. Names derived here are keys
 * other systems depend on (cluster secret keys, AWS role names), so they must stay stable.
 */

/** Upper-case a pipeline slug into an identifier fragment: `web-app` -> `WEB_APP`. */
export function slugToIdentifier(slug: string): string {
  return slug.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/**
 * The Buildkite cluster secret key that holds `envName` for one pipeline, e.g.
 * `clusterSecretKey("DEPOT_TOKEN", "web-app")` -> `DEPOT_TOKEN_WEB_APP`. One key per pipeline and
 * value, so each secret's access policy admits exactly one pipeline.
 */
export function clusterSecretKey(envName: string, slug: string): string {
  return `${envName}_${slugToIdentifier(slug)}`;
}

/** Job environment variable names the rendered steps and the secrets backends agree on. */
export const ENV = {
  depotToken: "DEPOT_TOKEN",
  depotProjectId: "DEPOT_PROJECT_ID",
  dockerhubUsername: "DOCKERHUB_USERNAME",
  dockerhubToken: "DOCKERHUB_TOKEN",
} as const;

/**
 * Whether a step gets one of its pipeline's secrets when the backend delivers them per step
 * (Buildkite secrets): the Docker Hub credentials only when the step pushes to Docker Hub (least
 * privilege per job), everything else always.
 */
export function stepGetsSecret(envName: string, pushesToDockerhub: boolean): boolean {
  return pushesToDockerhub || (envName !== ENV.dockerhubToken && envName !== ENV.dockerhubUsername);
}
