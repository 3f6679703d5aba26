/**
 * Depot's Buildkite guide, scenario by scenario: a snapshot of the rendered YAML, exact assertions
 * on what matters, and full conformance (Buildkite schema, real depot CLI, shellcheck, bash run,
 * no unescaped `$`).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { CommandStep, GroupStep, PipelineDocument } from "../../components/pipeline/document";
import type { PipelineModel } from "../../components/pipeline/model";
import {
  AWS_ASSUME_ROLE_PLUGIN,
  DOCKER_LOGIN_PLUGIN,
  ECR_PLUGIN,
  renderPipeline,
  renderPipelineYaml,
} from "../../components/pipeline/render";
import { conformanceTools, pipelineConformance, unescapedRuntimeVarsInYaml } from "../helpers/conformance";
import { ROLE_ARN, SCENARIOS } from "./fixtures";

const tools = conformanceTools();
const allTools = Boolean(tools.schema && tools.depot && tools.shellcheck);

function firstStep(doc: PipelineDocument): CommandStep {
  const s = doc.steps[0];
  return "group" in s ? s.steps[0] : s;
}
const pluginNames = (s: CommandStep): string[] => (s.plugins ?? []).map((p) => Object.keys(p)[0]);
const cmd = (m: PipelineModel): string => firstStep(renderPipeline(m)).command;

/** Exact checks per scenario, beyond the snapshot. */
const CHECKS: Record<string, (doc: PipelineDocument, yaml: string) => void> = {
  "1a oidc": (doc) => {
    const s = firstStep(doc);
    expect(s.env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz", DEPOT_DEBUG_OIDC: "1" });
    expect(s.secrets).toBeUndefined();
    expect(s.command).toContain("unset DEPOT_TOKEN DEPOT_API_TOKEN");
    expect(s.command).toContain('depot_login_config="$${XDG_CONFIG_HOME:-$${HOME}/.config}/depot/depot.yaml"');
    expect(s.command).not.toContain("DEPOT_TOKEN is empty");
    expect(pluginNames(s)).toEqual([AWS_ASSUME_ROLE_PLUGIN, ECR_PLUGIN]);
  },
  "1b project token": (doc) => {
    const s = firstStep(doc);
    expect(s.env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz" });
    expect(s.command).toContain('if [[ -z "$${DEPOT_TOKEN:-}" ]]; then');
    expect(s.command).toContain("with a project token, expected from the agent environment hook");
    expect(s.command).not.toContain("unset DEPOT_TOKEN");
  },
  "1c user token": (doc) => {
    expect(firstStep(doc).command).toContain("authenticates to Depot with a user token");
  },
  "2a token from buildkite secrets": (doc) => {
    const s = firstStep(doc);
    expect(s.secrets).toEqual({ DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" });
    expect(s.env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz" });
    expect(s.command).toContain("the Buildkite cluster secret DEPOT_TOKEN_WEB_APP");
  },
  "2b token from environment hook": (doc) => {
    const s = firstStep(doc);
    expect(s.secrets).toBeUndefined();
    expect(s.command).toContain("it exports DEPOT_TOKEN when BUILDKITE_PIPELINE_SLUG is web-app");
  },
  "2c token from elastic stack secrets bucket": (doc) => {
    expect(firstStep(doc).command).toContain("the Elastic CI Stack secrets bucket (env or web-app/env)");
  },
  "3a pinned install": (doc) => {
    const c = firstStep(doc).command;
    expect(c).toContain("depot_cli_version='2.102.12'");
    expect(c).toContain('curl -fsSL https://depot.dev/install-cli.sh | DEPOT_INSTALL_DIR="$${depot_cli_dir}" sh -s "$${depot_cli_version}"');
    expect(c).not.toMatch(/latest/);
  },
  "3b preinstalled cli": (doc) => {
    const c = firstStep(doc).command;
    expect(c).not.toContain("curl");
    expect(c).toContain("if ! command -v depot >/dev/null 2>&1; then");
  },
  "4 multi-platform": (doc) => {
    const c = firstStep(doc).command;
    expect(c).toContain("--platform 'linux/amd64,linux/arm64'");
    expect(c).not.toMatch(/qemu|binfmt|buildx/i);
  },
  "5 docker hub push": (doc) => {
    const s = firstStep(doc);
    expect(s.plugins).toEqual([{ [DOCKER_LOGIN_PLUGIN]: { username: "acme", "password-env": "DOCKERHUB_TOKEN" } }]);
    expect(s.secrets).toEqual({ DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP", DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP" });
    expect(s.command).toContain("-t 'docker.io/acme/api:latest'");
    expect(s.command).toContain('-t "docker.io/acme/api:$${DEPOT_BK_COMMIT:0:7}"');
    expect(s.command).toContain("--push");
    expect(s.command).not.toMatch(/docker login|--password/);
  },
  "6a ecr push with oidc role": (doc) => {
    const s = firstStep(doc);
    expect(s.plugins).toEqual([
      { [AWS_ASSUME_ROLE_PLUGIN]: { "role-arn": ROLE_ARN, "session-tags": ["organization_id", "pipeline_id"] } },
      { [ECR_PLUGIN]: { login: true, "account-ids": ["123456789012"], region: "eu-west-1" } },
    ]);
    expect(s.command).not.toMatch(/aws ecr get-login-password|awscli/);
  },
  "6b ecr push with instance role": (doc) => {
    expect(firstStep(doc).plugins).toEqual([{ [ECR_PLUGIN]: { login: true, "account-ids": ["123456789012"], region: "eu-west-1" } }]);
  },
  "7 load": (doc) => {
    const c = firstStep(doc).command;
    expect(c).toContain("-t 'api:test'");
    expect(c).toContain("--load");
    expect(c).not.toContain("--push");
    expect(firstStep(doc).plugins).toBeUndefined();
  },
  "8 push and load": (doc) => {
    const s = firstStep(doc);
    expect(s.command).toMatch(/--push \\\n {2}--load \\/);
    expect(pluginNames(s)).toEqual([DOCKER_LOGIN_PLUGIN, AWS_ASSUME_ROLE_PLUGIN, ECR_PLUGIN]);
  },
  "multi-image group": (doc) => {
    expect(doc.steps).toHaveLength(1);
    const g = doc.steps[0] as GroupStep;
    expect(g.group).toBe(":docker: Images");
    expect(g.key).toBe("images");
    expect(g.steps.map((s) => [s.key, s.depends_on])).toEqual([
      ["base", undefined],
      ["api", ["base"]],
      ["worker", ["base", "api"]],
    ]);
  },
  "concurrency and branch filter": (doc) => {
    const s = firstStep(doc);
    expect(s.concurrency).toBe(1);
    expect(s.concurrency_group).toBe("web-app/release");
    expect(s.branches).toBe("main release/*");
    expect(s.command).toContain('if [[ -z "$${BUILDKITE_TAG:-}" ]]; then');
  },
  "all depot flags": (doc) => {
    const s = firstStep(doc);
    expect(Object.keys(s)).toEqual([
      "label",
      "key",
      "branches",
      "agents",
      "timeout_in_minutes",
      "retry",
      "concurrency",
      "concurrency_group",
      "secrets",
      "env",
      "plugins",
      "command",
      "artifact_paths",
    ]);
    expect(s.agents).toEqual({ queue: "builders" });
    expect(s.timeout_in_minutes).toBe(45);
    expect(s.artifact_paths).toEqual(["depot-metadata.json"]);
    expect(s.env).toEqual({ DEPOT_PROJECT_ID: "abc123xyz", BUILDKIT_PROGRESS: "plain", DOCKER_BUILDKIT: "1" });
    expect(pluginNames(s)).toEqual([DOCKER_LOGIN_PLUGIN, AWS_ASSUME_ROLE_PLUGIN, ECR_PLUGIN]);
    expect(s.command).toContain("# shellcheck disable=SC1003,SC2016");
    expect(s.command).toContain("--build-arg 'QUOTED=it'\\''s a $$HOME \\''$$x'");
  },
};

describe("Depot's Buildkite guide, scenario by scenario", () => {
  it("has exact checks for every scenario", () => {
    expect(Object.keys(CHECKS).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  describe.each(Object.entries(SCENARIOS))("%s", (name, m) => {
    const yaml = renderPipelineYaml(m);
    const doc = renderPipeline(m);

    it("matches the snapshot", () => {
      expect(yaml).toMatchSnapshot();
    });

    it("renders what the scenario needs", () => {
      CHECKS[name](doc, yaml);
    });

    it("is what Buildkite stores and parses back to the document", () => {
      expect(parse(yaml, { version: "1.1" })).toEqual(JSON.parse(JSON.stringify(doc)));
      expect(unescapedRuntimeVarsInYaml(yaml)).toEqual([]);
      for (const s of "group" in doc.steps[0] ? (doc.steps[0] as GroupStep).steps : (doc.steps as CommandStep[])) {
        expect(Object.keys(s.env ?? {})).not.toContain("DEPOT_TOKEN");
        expect(s.retry).toEqual({ automatic: [{ exit_status: -1, limit: 2 }, { signal_reason: "agent_stop", limit: 2 }] });
        expect(s.command.startsWith("set -euo pipefail\n")).toBe(true);
      }
    });

    it.skipIf(!allTools)("conforms: schema, real depot CLI, shellcheck, bash run", async () => {
      expect(await pipelineConformance(yaml)).toEqual([]);
    });
  });
});

describe("no token ever reaches the YAML", () => {
  it("a DEPOT_TOKEN value cannot be expressed in the model; only references are rendered", () => {
    for (const m of Object.values(SCENARIOS)) {
      const y = renderPipelineYaml(m);
      expect(y).not.toMatch(/DEPOT_TOKEN:\s*["']?\$/);
      expect(y).not.toContain("--token");
      expect(y).not.toContain("--password");
    }
  });

  it("commands stay readable: no unescaped variable, every token reference guarded", () => {
    expect(cmd(SCENARIOS["1b project token"])).toContain("$${DEPOT_TOKEN:-}");
  });
});
