/** The conformance helpers themselves: each check must be able to fail. */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { renderPipelineYaml } from "../../components/pipeline/render";
import {
  commandSteps,
  conformanceTools,
  pipelineConformance,
  REPO_ROOT,
  schemaPath,
  shellcheck,
  validatePipelineYaml,
} from "../helpers/conformance";
import { SCENARIOS } from "./fixtures";

const tools = conformanceTools();

describe("tool discovery", () => {
  it("resolves paths relative to the repository, with overrides from the environment", () => {
    expect(fs.existsSync(path.join(REPO_ROOT, "package.json"))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, "test", "helpers", "conformance.ts"))).toBe(true);
    const saved = process.env.BUILDKITE_PIPELINE_SCHEMA;
    const savedCi = process.env.CI;
    try {
      process.env.BUILDKITE_PIPELINE_SCHEMA = `${REPO_ROOT}/does-not-exist.json`;
      process.env.CI = "true";
      expect(() => schemaPath()).toThrow("conformance: Buildkite pipeline schema not found");
      delete process.env.CI;
      expect(schemaPath()).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.BUILDKITE_PIPELINE_SCHEMA;
      else process.env.BUILDKITE_PIPELINE_SCHEMA = saved;
      if (savedCi === undefined) delete process.env.CI;
      else process.env.CI = savedCi;
    }
  });
});

describe.skipIf(!tools.schema)("validatePipelineYaml", () => {
  it.each([
    ["unknown step attribute", "steps:\n  - command: x\n    bogus: 1\n", "schema:"],
    ["bad retry reason", "steps:\n  - command: x\n    retry:\n      automatic:\n        - signal_reason: nope\n          limit: 2\n", "schema:"],
    ["key with space", "steps:\n  - command: x\n    key: a b\n", "schema:"],
    ["nested group", "steps:\n  - group: a\n    steps:\n      - group: b\n        steps:\n          - command: x\n", "a group inside a group"],
    ["if and branches", "steps:\n  - command: x\n    if: build.branch == 'main'\n    branches: main\n", 'has both "if" and "branches"'],
    ["concurrency alone", "steps:\n  - command: x\n    concurrency: 1\n", '"concurrency" and "concurrency_group" need each other'],
    ["duplicate keys", "steps:\n  - command: x\n    key: a\n  - command: y\n    key: a\n", 'step key "a" is used twice'],
    ["unknown dependency", "steps:\n  - command: x\n    depends_on: [nope]\n", 'depends_on unknown step "nope"'],
    ["if_changed stored", "steps:\n  - command: x\n    if_changed: src/**\n", '"if_changed" only works through pipeline upload'],
    ["not yaml", "steps: [", "YAML does not parse"],
  ])("rejects %s", (_name, yaml, message) => {
    expect(validatePipelineYaml(yaml).join("\n")).toContain(message);
  });

  it("accepts a minimal pipeline", () => {
    expect(validatePipelineYaml("steps:\n  - command: x\n")).toEqual([]);
  });
});

describe.skipIf(!tools.shellcheck)("shellcheck", () => {
  it("reports problems in the script the agent runs ($$ unescaped first)", async () => {
    const findings = await shellcheck("echo $${UNQUOTED}\nrm -rf $$DIR/*");
    expect(findings.join("\n")).toContain("SC2086");
  });

  it("is clean for a rendered command", async () => {
    const [step] = commandSteps(renderPipelineYaml(SCENARIOS["all depot flags"]));
    expect(await shellcheck(String(step.command))).toEqual([]);
  });
});

describe.skipIf(!(tools.schema && tools.depot && tools.shellcheck))("pipelineConformance catches broken pipelines", () => {
  const good = renderPipelineYaml(SCENARIOS["5 docker hub push"]);

  it("YAML that does not parse", async () => {
    expect((await pipelineConformance("steps: [")).join("\n")).toContain("YAML does not parse");
  });

  it("an unescaped runtime variable", async () => {
    const bad = good.replace("DEPOT_PROJECT_ID: abc123xyz", "DEPOT_PROJECT_ID: $PROJECT");
    expect(await pipelineConformance(bad)).toContain("unescaped interpolation at steps[0].env.DEPOT_PROJECT_ID: $PROJECT");
  });

  it("a flag depot does not know", async () => {
    const bad = good.replace("--push \\", "--push --frobnicate \\");
    expect((await pipelineConformance(bad)).join("\n")).toContain("api: depot rejects its argv: unknown flag: --frobnicate");
  });

  it("a token in env, and a failing command", async () => {
    const bad = good.replace("DEPOT_PROJECT_ID: abc123xyz", "DEPOT_PROJECT_ID: abc123xyz\n      DEPOT_TOKEN: x").replace("set -euo pipefail", "set -euo pipefail\n      false");
    const problems = await pipelineConformance(bad);
    expect(problems).toContain("api: env sets a Depot token");
    expect(problems.join("\n")).toContain("api: command exited 1");
    expect(problems).toContain("api: expected one depot build, got 0");
  });

  it("a shellcheck finding", async () => {
    const bad = good.replace("set -euo pipefail", "set -euo pipefail\n      echo $${BUILDKITE_BRANCH}");
    expect((await pipelineConformance(bad)).join("\n")).toContain("api: shellcheck: -:2:6: note: Double quote to prevent globbing");
  });
});
