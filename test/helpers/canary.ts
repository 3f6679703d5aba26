/**
 * Secret canaries: fill every secret with a unique value, then prove it appears only where Pulumi
 * keeps it encrypted (secret inputs), and nowhere a person or a log could read it.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Registration } from "../../src/mock-recorder";
import type { SynthRun } from "../../src/synth/run";
import { writeSynth } from "../../src/synth/write";

export const CANARIES = {
  dockerhubToken: "CANARY-dockerhub-7f3a9c1e",
  depotToken: "CANARY-depot-token-2b8d4e6f",
  depotOrgToken: "depot_org_canary-5a1c9e3b",
  signingJwks: '{"keys":[{"kty":"OKP","d":"CANARY-jwks-9d2f7a4c"}]}',
} as const;

export const CANARY_MARKERS = ["CANARY-dockerhub-7f3a9c1e", "CANARY-depot-token-2b8d4e6f", "depot_org_canary-5a1c9e3b", "CANARY-jwks-9d2f7a4c"];

function dropPaths(value: unknown, paths: Set<string>, at = ""): unknown {
  if (paths.has(at)) return "[dropped secret]";
  if (Array.isArray(value)) return value.map((v, i) => dropPaths(v, paths, `${at}[${i}]`));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = dropPaths(v, paths, at ? `${at}.${k}` : k);
    return out;
  }
  return value;
}

/** Each place a canary appears outside a secret input: "type::name: marker". */
export function leaksInRegistrations(regs: Registration[], markers = CANARY_MARKERS): string[] {
  const leaks: string[] = [];
  for (const r of regs) {
    const visible = JSON.stringify(dropPaths(r.plain, new Set(r.secretPaths)));
    for (const m of markers) if (visible.includes(m)) leaks.push(`${r.type}::${r.name}: ${m}`);
  }
  return leaks;
}

/** Registrations (type::name.path) that hold a canary in a secret input. */
export function secretHolders(regs: Registration[], markers = CANARY_MARKERS): string[] {
  const out: string[] = [];
  for (const r of regs) {
    for (const p of r.secretPaths) {
      const v = p.split(/\.|\[|\]/).filter(Boolean).reduce<unknown>((acc, k) => (acc as Record<string, unknown>)?.[k], r.plain);
      if (markers.some((m) => JSON.stringify(v ?? "").includes(m))) out.push(`${r.type}::${r.name}.${p}`);
    }
  }
  return out.sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Write the synth output to a temp dir and report any file or printed text holding a canary. */
export function leaksInSynthOutput(run: SynthRun, printed: string, markers = CANARY_MARKERS): string[] {
  const out = mkdtempSync(path.join(os.tmpdir(), "canary-"));
  const written = writeSynth(run, out);
  const leaks: string[] = [];
  for (const f of filesUnder(written.dir)) {
    const text = readFileSync(f, "utf8");
    for (const m of markers) if (text.includes(m)) leaks.push(`${path.relative(out, f)}: ${m}`);
  }
  const texts: [string, string][] = [
    ["stack outputs", JSON.stringify(run.outputs)],
    ["warnings", run.warnings.join("\n")],
    ["summary", written.summary],
    ["printed", printed],
  ];
  for (const [where, text] of texts) for (const m of markers) if (text.includes(m)) leaks.push(`${where}: ${m}`);
  return leaks;
}
