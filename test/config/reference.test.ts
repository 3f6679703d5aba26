/**
 * The README's configuration reference lists every key the schema accepts, so the documentation
 * cannot fall behind the code.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { topLevelSchema, SECRET_KEYS } from "../../src/config-schema";
import { unwrapSchema, type ZodNode as Node } from "../../src/config";

/** Leaf and object key paths, e.g. `ecr.repositories.NAME.keepTagged`, `pipelines[].images[].key`. */
function keyPaths(node: Node, prefix: string, out: string[]): string[] {
  const n = unwrapSchema(node);
  const d = n._zod.def;
  if (d.type === "object" && d.shape) {
    for (const [k, v] of Object.entries(d.shape)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      keyPaths(v, p, out);
    }
  } else if (d.type === "array" && d.element) {
    keyPaths(d.element, `${prefix}[]`, out);
  } else if (d.type === "record" && d.valueType) {
    keyPaths(d.valueType, `${prefix}.NAME`, out);
  }
  return out;
}

const readme = readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
const reference = readme.slice(readme.indexOf("## Configuration reference"), readme.indexOf("## Use it from another stack"));
const imagesTable = reference.slice(reference.indexOf("### `pipelines[].images[]`"));

describe("README configuration reference", () => {
  const paths = keyPaths(topLevelSchema as unknown as Node, "", []);

  it("walks the whole schema", () => {
    expect(paths).toContain("pipelines[].images[].platforms");
    expect(paths).toContain("ecr.repositories.NAME.imageTagMutability");
    expect(paths.length).toBeGreaterThan(90);
  });

  it.each(paths.filter((p) => !p.startsWith("pipelines[].images[].") && !p.includes("[].teams[].") && !p.includes("[].schedules[].")))("documents %s", (p) => {
    const parent = p.replace(/\.[^.]+$/, "");
    // An object key may be documented by its leaves (`depot.cli.version` documents `depot.cli`).
    const documented = reference.includes(`\`${p}\``) || reference.includes(`\`${p}.`) || reference.includes(`\`${p}[]`) || reference.includes(`\`${parent}.${p.split(".").pop()}\``);
    expect(documented, `README should document \`${p}\``).toBe(true);
  });

  it.each(paths.filter((p) => p.startsWith("pipelines[].images[].")).map((p) => p.slice("pipelines[].images[].".length)).filter((p) => !p.includes(".")))(
    "documents image key %s",
    (k) => {
      expect(imagesTable.includes(`| \`${k}\``) || imagesTable.includes(`/ \`${k}\``) || imagesTable.includes(`\`${k}\` |`)).toBe(true);
    },
  );

  it.each(Object.keys(SECRET_KEYS))("documents the secret %s", (k) => {
    expect(reference).toContain(`| \`${k}\` |`);
  });
});
