/**
 * Rendering an accepted config the way the stack program does (src/pipeline-model.ts, the pure
 * model builder stack.ts calls inside `apply`), with resource values shaped like real ones, and
 * the checks every rendered pipeline must pass.
 */
import fc from "fast-check";
import { parseStackConfig, type Settings } from "../../src/config";
import { buildPipelineModel, type ResolvedRefs } from "../../src/pipeline-model";
import { renderPipelineYaml, renderStoredSteps } from "../../components/pipeline/render";
import { schemaPath, validatePipelineYaml } from "../helpers/conformance";
import { storedStepFindings, supplyChainFindings } from "./checks";
import { validConfigArb, type GeneratedConfig } from "./fuzz-arbitraries";

/** Resource values as the program would have them: only configured repositories have a URL. */
export function realisticRefs(settings: Settings, slug: string): ResolvedRefs {
  const cfg = settings.config;
  const names = Object.keys(cfg.ecr?.repositories ?? {});
  const region = cfg.ecr?.region ?? "eu-west-1";
  return {
    depotProjectId: cfg.depot.projectId ?? "p6465706f74",
    repositoryUrls: Object.fromEntries(names.map((n) => [n, `123456789012.dkr.ecr.${region}.amazonaws.com/${n}`])),
    registryIds: Object.fromEntries(names.map((n) => [n, "123456789012"])),
    roleArn: cfg.ecr?.access === "oidc" ? `arn:aws:iam::123456789012:role/${slug}-ecr-0a1b2c3` : "",
  };
}

export interface AcceptedConfig extends GeneratedConfig {
  settings: Settings;
}

/** Generated configs that the config layer accepts (a config that makes it throw is left to the parse fuzz). */
export const acceptedConfigArb: fc.Arbitrary<AcceptedConfig> = validConfigArb
  .map((g) => {
    try {
      const r = parseStackConfig(g.raw);
      return r.ok ? { ...g, settings: r.settings } : undefined;
    } catch {
      return undefined;
    }
  })
  .filter((g): g is AcceptedConfig => g !== undefined);

/** Render every pipeline of an accepted config and return every finding (empty = all good). */
export function renderFindings(a: AcceptedConfig): string[] {
  const findings: string[] = [];
  const cfg = a.settings.config;
  for (const pl of a.settings.pipelines) {
    const slug = pl.config.slug;
    let full: string;
    let stored: string;
    try {
      full = renderPipelineYaml(buildPipelineModel(cfg, pl, realisticRefs(a.settings, slug)));
      stored = renderStoredSteps(pl.config.delivery, full);
    } catch (e) {
      findings.push(`${slug}: accepted by the config layer, but rendering threw: ${(e as Error).message.split("\n").slice(0, 3).join(" | ")}`);
      continue;
    }
    if (schemaPath()) {
      findings.push(...validatePipelineYaml(full).map((p) => `${slug}: pipeline YAML: ${p}`));
      findings.push(...validatePipelineYaml(stored).map((p) => `${slug}: stored steps: ${p}`));
    }
    findings.push(...storedStepFindings(`${slug} stored`, stored, pl.config.delivery === "repository"));
    findings.push(...storedStepFindings(`${slug} full`, full, false));
    findings.push(...supplyChainFindings(slug, full, cfg.depot.cli.version));
  }
  return findings;
}
