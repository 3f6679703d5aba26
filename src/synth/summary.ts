/** The human summary of a synth run: one table per pipeline, then what must be done by hand. */
import { ENV, stepGetsSecret } from "../../components/naming";
import { DestinationKind } from "../../components/pipeline/model";
import { agentEnvNames } from "../../components/secrets/job-env";
import { pushesTo, secretEnvNames } from "../pipeline-model";
import type { SynthRun } from "./run";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

interface TrustRelationship {
  projectId: string;
  organizationSlug: string;
  pipelineSlug: string;
}

function trustRelationships(v: unknown): TrustRelationship[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is TrustRelationship => !!x && typeof x === "object" && "pipelineSlug" in x);
}

export function renderSummary(run: SynthRun): string {
  const { settings } = run;
  const cfg = settings.config;
  const lines: string[] = [];
  lines.push(`# Stack \`${run.stack}\``, "");
  lines.push(
    `Buildkite organization \`${cfg.buildkite.organization}\`; Depot ${cfg.depot.projectId ? `project \`${cfg.depot.projectId}\`` : `project \`${cfg.depot.project?.name ?? "?"}\` (created by this stack)`}; ` +
      `Depot resources ${settings.manageDepot ? "managed by this stack" : "configured by hand (no organization token)"}.`,
    "",
  );
  for (const pl of settings.pipelines) {
    const c = pl.config;
    lines.push(`## Pipeline \`${c.slug}\` (${cell(c.name)})`, "");
    lines.push(`Repository \`${c.repository}\`, default branch \`${c.defaultBranch}\`, delivery \`${c.delivery}\`${c.sign ? " (signed)" : ""}, auth \`${pl.auth}\`, secrets backend \`${pl.secretsBackend}\`, queue \`${pl.queue}\`.`, "");
    lines.push("| image | platforms | destinations | tags | load | save |", "| --- | --- | --- | --- | --- | --- |");
    for (const im of c.images) {
      lines.push(
        `| \`${im.key}\` | ${im.platforms.join(", ")} | ${im.destinations.length ? im.destinations.map((d) => `\`${d}\``).join(", ") : "(none)"} | ${im.tags.map((t) => `\`${cell(t)}\``).join(", ")} | ${im.load ? "yes" : "no"} | ${im.save ? "yes" : "no"} |`,
      );
    }
    lines.push("");
  }
  const todo: string[] = [];
  for (const p of run.placeholders.filter((x) => !x.encrypted)) {
    todo.push(`Set the secret \`${p.key}\` (a placeholder was used offline: ${p.why}): \`pulumi config set --secret ${p.key} --stack ${run.stack}\``);
  }
  const trust = trustRelationships(run.outputs.depotTrustRelationships);
  for (const t of trust) {
    todo.push(`In Depot, project \`${t.projectId}\` → Settings → Trust relationships → add Buildkite: organization \`${t.organizationSlug}\`, pipeline \`${t.pipelineSlug}\``);
  }
  if (typeof run.outputs.agentHookScript === "string" && !cfg.secrets.hook?.upload) {
    todo.push("Install the generated agent `environment` hook (stack output `agentHookScript`) on every agent that runs these pipelines.");
  }
  for (const pl of settings.pipelines) {
    // Build secrets read a job variable this stack does not deliver (it delivers only the Depot token
    // and the Docker Hub credentials): the agents must provide it.
    for (const im of pl.config.images) {
      // What this image's step receives: DEPOT_PROJECT_ID and its own env, plus the pipeline's
      // secrets under the names its backend gives them. Buildkite secrets go per step (Docker Hub
      // credentials only to steps that push there); the hook and the Elastic CI Stack export every
      // secret of the pipeline to each of its jobs.
      const pipelineSecrets = secretEnvNames(cfg, pl);
      const pushesToDockerhub = pushesTo(im, DestinationKind.Dockerhub);
      const stepSecrets = pl.secretsBackend === "buildkite" ? pipelineSecrets.filter((n) => stepGetsSecret(n, pushesToDockerhub)) : pipelineSecrets;
      const received = new Set([ENV.depotProjectId, ...Object.keys(im.env), ...stepSecrets.flatMap((n) => agentEnvNames(pl.secretsBackend, n))]);
      for (const [id, env] of Object.entries(im.secrets)) {
        if (received.has(env)) continue;
        todo.push(
          `Provide \`${env}\` to the jobs of pipeline \`${pl.config.slug}\` (build secret \`${id}\` of image \`${im.key}\` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.`,
        );
      }
    }
    if (pl.config.delivery === "repository") {
      todo.push(`Commit \`repositories/${pl.config.slug}/.buildkite/pipeline.yml\` as \`.buildkite/pipeline.yml\` in \`${pl.config.repository}\`.`);
    }
  }
  if (run.warnings.length > 0) {
    lines.push("## Warnings", "");
    for (const w of run.warnings) lines.push(`- ${w}`);
    lines.push("");
  }
  lines.push("## To do by hand", "");
  if (todo.length === 0) lines.push("Nothing: `pulumi up` does everything.");
  else for (const t of todo) lines.push(`- ${t}`);
  lines.push("");
  const encrypted = run.placeholders.filter((x) => x.encrypted).map((x) => `\`${x.key}\``);
  if (encrypted.length > 0) {
    lines.push("## Encrypted secrets", "");
    lines.push(`Set and encrypted in the stack file, rendered here with placeholders (only the Pulumi CLI can decrypt them): ${encrypted.join(", ")}.`, "");
  }
  return lines.join("\n");
}
