/**
 * `depot build` argv from an {@link ImageBuild}: one flag for every depot/build-push-action option
 * the CLI supports. Values are literals except the variables (`{commit}`, `{short_commit}`,
 * `{branch}`, `{build_number}`, `{tag}`) in tags, build-arg values and label values, which become
 * runtime parameters.
 * Secrets are passed by reference (`--secret id=ID,env=ENV`), never by value; `--token` is never used.
 */
import type { ImageBuild, PipelineModel } from "./model";
import { flag, lit, storedWord, type ShellWord } from "./shell";
import { tagWordParts, valueWordParts } from "./tags";

/** A flag with its value, or a lone flag, or the context: one line of the rendered command. */
export type ArgGroup = ShellWord[];

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The default local image name for `--load` without a push destination. */
export function defaultLocalName(key: string): string {
  const name = key
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[._-]+$/g, "")
    .replace(/[._-]{2,}/g, "-");
  return name === "" ? "image" : name;
}

function tagWords(repository: string, tags: string[]): ShellWord[] {
  if (tags.length === 0) return [lit(repository)];
  return tags.map((t) => ({ parts: [{ text: `${repository}:` }, ...tagWordParts(t)] }));
}

/**
 * The argument groups of `depot build` (without `build`), in a fixed order:
 * --project, --file, --target, --build-arg, --build-context, --platform, -t, --push, --load,
 * --save, --save-tag, --provenance, --sbom, --lint, --lint-fail-on, --build-platform, --secret,
 * --ssh, --label, --annotation, --no-cache, --pull, --metadata-file, then the context.
 * Maps (build args, contexts, labels) are sorted by key so output is stable.
 */
export function depotBuildArgGroups(image: ImageBuild, model: PipelineModel): ArgGroup[] {
  const g: ArgGroup[] = [];
  const withValue = (name: string, value: ShellWord | string): void => {
    g.push([flag(name), typeof value === "string" ? lit(value) : value]);
  };
  withValue("--project", model.depotProjectId);
  if (image.file !== undefined) withValue("--file", image.file);
  if (image.target !== undefined) withValue("--target", image.target);
  for (const [k, v] of sortedEntries(image.buildArgs)) withValue("--build-arg", { parts: [{ text: `${k}=` }, ...valueWordParts(v)] });
  for (const [k, v] of sortedEntries(image.buildContexts)) withValue("--build-context", `${k}=${v}`);
  if (image.platforms.length > 0) withValue("--platform", image.platforms.join(","));
  const pushes = image.destinations.length > 0;
  const names = pushes
    ? image.destinations.flatMap((d) => tagWords(d.repository, image.tags))
    : image.load
      ? tagWords(image.localName ?? defaultLocalName(image.key), image.tags)
      : [];
  for (const n of names) withValue("-t", n);
  if (pushes) g.push([flag("--push")]);
  if (image.load) g.push([flag("--load")]);
  if (image.save) {
    g.push([flag("--save")]);
    for (const t of image.saveTags) withValue("--save-tag", { parts: tagWordParts(t) });
  }
  if (image.provenance !== undefined) withValue("--provenance", String(image.provenance));
  if (image.sbom !== undefined) withValue("--sbom", String(image.sbom));
  if (image.lint) {
    g.push([flag("--lint")]);
    if (image.lintFailOn !== undefined) withValue("--lint-fail-on", image.lintFailOn);
  }
  if (image.buildPlatform !== undefined) withValue("--build-platform", image.buildPlatform);
  for (const s of image.secrets) withValue("--secret", `id=${s.id},env=${s.env}`);
  for (const s of image.ssh) withValue("--ssh", s);
  for (const [k, v] of sortedEntries(image.labels)) withValue("--label", { parts: [{ text: `${k}=` }, ...valueWordParts(v)] });
  for (const a of image.annotations) withValue("--annotation", a);
  if (image.noCache) g.push([flag("--no-cache")]);
  if (image.pull) g.push([flag("--pull")]);
  if (image.metadataFile !== undefined) withValue("--metadata-file", image.metadataFile);
  g.push([lit(image.context)]);
  return g;
}

/** The words of `depot build` (without `build`), structured. */
export function depotBuildWords(image: ImageBuild, model: PipelineModel): ShellWord[] {
  return depotBuildArgGroups(image, model).flat();
}

/**
 * argv for `depot build` (without `build`) as written in the stored YAML, unquoted: literal `$`
 * doubled, tag variables as `$${DEPOT_BK_COMMIT}`, `$${DEPOT_BK_COMMIT:0:7}`,
 * `$${DEPOT_BK_BRANCH_TAG}`, `$${BUILDKITE_BUILD_NUMBER}`, `$${BUILDKITE_TAG}`.
 *
 * `DEPOT_BK_COMMIT` (`COMMIT_TAG_VAR`) and `DEPOT_BK_BRANCH_TAG` (`BRANCH_TAG_VAR`, both exported) are
 * job variables that the rendered step script computes before `depot build` (the commit's full SHA,
 * the tag-safe branch). A step of your own that runs these args must set them first, and quote each
 * word for bash without producing a backslash right before a `$` (Buildkite's escape), as the
 * rendered step does: a value with a backslash before `$` or a `{variable}` is not safe unquoted.
 */
export function depotBuildArgs(image: ImageBuild, model: PipelineModel): string[] {
  return depotBuildWords(image, model).map(storedWord);
}
