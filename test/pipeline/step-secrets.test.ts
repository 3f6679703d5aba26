/** Least privilege per job: a step receives Docker Hub credentials only when it pushes to Docker Hub. */
import { describe, expect, it } from "vitest";
import { renderPipeline } from "../../components/pipeline";
import type { CommandStep, GroupStep } from "../../components/pipeline";
import { DOCKERHUB, ECR, image, model } from "./fixtures";

describe("step secrets (buildkite backend)", () => {
  const doc = renderPipeline(
    model({
      auth: "project-token",
      secretsBackend: "buildkite",
      secretEnv: { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP", DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP", DOCKERHUB_USERNAME: "DOCKERHUB_USERNAME_WEB_APP" },
      dockerhub: { username: "acmebot", passwordEnv: "DOCKERHUB_TOKEN" },
      images: [image({ key: "hub", destinations: [DOCKERHUB] }), image({ key: "ecr-only", destinations: [ECR] }), image({ key: "load-only", load: true })],
    }),
  );
  const steps = (doc.steps[0] as GroupStep).steps as CommandStep[];
  const secretsOf = (key: string) => steps.find((s) => s.key === key)?.secrets;

  it("gives the Docker Hub step the token, the username and DEPOT_TOKEN", () => {
    expect(secretsOf("hub")).toEqual({ DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP", DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP", DOCKERHUB_USERNAME: "DOCKERHUB_USERNAME_WEB_APP" });
  });

  it.each(["ecr-only", "load-only"])("gives %s only DEPOT_TOKEN", (key) => {
    expect(secretsOf(key)).toEqual({ DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" });
  });
});
