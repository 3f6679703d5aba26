/**
 * Which names a job sees for each secret, per backend. The stack program renders steps from these,
 * so the steps and `AgentSecrets` can never disagree on a name.
 */
import { ENV, clusterSecretKey } from "../naming";
import { AgentSecretsBackend, atPath, validateClusterSecretKey, validateEnvName, validateSlug } from "./validation";

/**
 * Elastic CI Stack translation: the stack's own pre-command hook logs into Docker Hub from
 * `DOCKER_LOGIN_USER` / `DOCKER_LOGIN_PASSWORD`. The username is also exported under its own
 * name (it is handy in image names and is not a credential); the token is exported only as
 * `DOCKER_LOGIN_PASSWORD`, so it lives under a single name in the job.
 */
export const ELASTIC_STACK_ENV_ALIASES: Readonly<Record<string, readonly string[]>> = {
  [ENV.dockerhubUsername]: ["DOCKER_LOGIN_USER", ENV.dockerhubUsername],
  [ENV.dockerhubToken]: ["DOCKER_LOGIN_PASSWORD"],
};

/**
 * The variables a job ends up with for one secret env name under a backend, in order.
 * `buildkite` and `hook` keep the name; `elastic-stack` applies {@link ELASTIC_STACK_ENV_ALIASES}.
 */
export function agentEnvNames(backend: AgentSecretsBackend, envName: string): string[] {
  if (backend === "elastic-stack") return [...(ELASTIC_STACK_ENV_ALIASES[envName] ?? [envName])];
  return [envName];
}

/**
 * The step `secrets:` map for one pipeline: env name -> Buildkite cluster secret key. Only the
 * `buildkite` backend reads secrets through steps; `hook` and `elastic-stack` return `{}` because
 * the agent exports the variables itself.
 *
 * @example jobSecretEnv("buildkite", "web-app", ["DEPOT_TOKEN"]) // { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" }
 * @throws Error when the slug, a name or a derived key is invalid.
 */
export function jobSecretEnv(backend: AgentSecretsBackend, slug: string, envNames: string[]): Record<string, string> {
  const problems = atPath("slug", validateSlug(slug));
  envNames.forEach((n, i) => problems.push(...atPath(`envNames[${i}]`, validateEnvName(n))));
  if (problems.length === 0 && backend === "buildkite") {
    envNames.forEach((n, i) =>
      problems.push(...atPath(`envNames[${i}] (cluster secret key)`, validateClusterSecretKey(clusterSecretKey(n, slug)))),
    );
  }
  if (problems.length > 0) throw new Error(`jobSecretEnv: ${problems.join("; ")}`);
  if (backend !== "buildkite") return {};
  const out: Record<string, string> = {};
  for (const n of envNames) out[n] = clusterSecretKey(n, slug);
  return out;
}
