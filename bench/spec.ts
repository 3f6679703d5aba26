/**
 * The benchmark's synthetic stack: N pipelines, deterministic, shared by the program under test
 * (written as `Pulumi.bench-<variant>-<N>.yaml`) and by the baseline (built in memory).
 *
 * Every pipeline has two images: `app` (linux/amd64 + linux/arm64, pushed to Docker Hub and ECR)
 * and `app-test` (`--push --load` to ECR, after `app`). Every third pipeline authenticates with a
 * project token, the rest with OIDC. Every fourth gets an extra team, every tenth a nightly
 * schedule. Secrets go through Buildkite secrets; ECR access is per-pipeline OIDC roles; the Depot
 * project exists (`depot.projectId`).
 *
 * Variants:
 * - `managed`: the Depot organization token is set, so the stack also registers a Depot trust
 *   policy (OIDC pipelines) or project token (token pipelines) per pipeline: dynamic resources.
 * - `config-only`: no organization token; trust relationships become an output, and token
 *   pipelines read the hand-made `depotToken` secret.
 */
import { stringify } from "yaml";

export const VARIANTS = ["managed", "config-only"] as const;
export type Variant = (typeof VARIANTS)[number];

export const ORGANIZATION = "acme";
export const DEPOT_PROJECT_ID = "abc123def0";
export const CLUSTER_ID = "Q2x1c3Rlci0tLTAxOTBhYmNkLTEyMzQtNGFiYy04ZGVmLTAxMjM0NTY3ODlhYg==";
export const CLUSTER_UUID = "0190abcd-1234-4abc-8def-0123456789ab";
export const DEFAULT_TEAM_ID = "VGVhbS0tLTAxOTBhYmNkLWVuZw==";
export const EXTRA_TEAM_ID = "VGVhbS0tLTAxOTBhYmNkLW9wcw==";
export const DOCKERHUB_USER = "acmebot";
export const REGION = "eu-west-1";

export type BenchAuth = "oidc" | "project-token";

export interface BenchImage {
  key: string;
  dockerfile?: string;
  target?: string;
  platforms: ("linux/amd64" | "linux/arm64")[];
  tags: string[];
  destinations: string[];
  load?: boolean;
  dependsOn?: string[];
}

export interface BenchPipeline {
  slug: string;
  name: string;
  repository: string;
  auth?: BenchAuth;
  teams?: { teamId: string; accessLevel: "READ_ONLY" | "BUILD_AND_READ" | "MANAGE_BUILD_AND_READ" }[];
  schedules?: { key: string; cronline: string; label: string }[];
  images: BenchImage[];
}

export interface BenchSpec {
  n: number;
  variant: Variant;
  pipelines: BenchPipeline[];
  /** ECR repository names (one per pipeline). */
  repositories: string[];
}

export function slugOf(i: number): string {
  return `svc-${String(i).padStart(4, "0")}`;
}

export function authOf(p: BenchPipeline): BenchAuth {
  return p.auth ?? "oidc";
}

export function benchSpec(n: number, variant: Variant): BenchSpec {
  const pipelines: BenchPipeline[] = [];
  for (let i = 0; i < n; i++) {
    const slug = slugOf(i);
    const p: BenchPipeline = {
      slug,
      name: `Service ${i}`,
      repository: `git@github.com:acme/${slug}.git`,
      images: [
        {
          key: "app",
          dockerfile: "Dockerfile",
          platforms: ["linux/amd64", "linux/arm64"],
          tags: ["{short_commit}", "{branch}", "latest"],
          destinations: [`dockerhub:acme/${slug}`, `ecr:${slug}`],
        },
        {
          key: "app-test",
          target: "test",
          platforms: ["linux/amd64"],
          tags: ["test-{short_commit}"],
          destinations: [`ecr:${slug}`],
          load: true,
          dependsOn: ["app"],
        },
      ],
    };
    if (i % 3 === 2) p.auth = "project-token";
    if (i % 4 === 3) p.teams = [{ teamId: EXTRA_TEAM_ID, accessLevel: "BUILD_AND_READ" }];
    if (i % 10 === 9) p.schedules = [{ key: "nightly", cronline: "0 3 * * *", label: "Nightly rebuild" }];
    pipelines.push(p);
  }
  return { n, variant, pipelines, repositories: pipelines.map((p) => p.slug) };
}

/** A fake `secure:` value: the synth treats it as encrypted and fills a placeholder, like the CLI-less dev stack. */
function secure(key: string): { secure: string } {
  return { secure: `v1:${Buffer.from(`bench-${key}`).toString("base64")}` };
}

/** The `Pulumi.<stack>.yaml` text for a spec. */
export function stackYaml(spec: BenchSpec): string {
  const config: Record<string, unknown> = {
    "aws:region": REGION,
    "buildkite:organization": ORGANIZATION,
    "depot-buildkite:buildkite": {
      organization: ORGANIZATION,
      clusterId: CLUSTER_ID,
      clusterUuid: CLUSTER_UUID,
      defaultTeamId: DEFAULT_TEAM_ID,
      defaultQueue: "default",
    },
    "depot-buildkite:depot": { projectId: DEPOT_PROJECT_ID, auth: "oidc" },
    "depot-buildkite:secrets": { backend: "buildkite" },
    "depot-buildkite:dockerhub": { username: DOCKERHUB_USER },
    "depot-buildkite:ecr": {
      region: REGION,
      access: "oidc",
      repositories: Object.fromEntries(spec.repositories.map((r) => [r, {}])),
    },
    "depot-buildkite:pipelines": spec.pipelines,
    "depot-buildkite:dockerhubToken": secure("dockerhubToken"),
  };
  if (spec.variant === "managed") config["depot-buildkite:depotOrgToken"] = secure("depotOrgToken");
  else config["depot-buildkite:depotToken"] = secure("depotToken");
  return `# Generated by bench/spec.ts (${spec.n} pipelines, ${spec.variant}). Do not edit.\n${stringify({ config }, { lineWidth: 0 })}`;
}

export function stackName(n: number, variant: Variant): string {
  return `bench-${variant}-${n}`;
}
