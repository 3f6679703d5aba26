#!/usr/bin/env bash
# Every build: install, type-check, lint, test, and synth every example stack (.ci/run does all of
# that). The conformance tests need Buildkite's pipeline schema, which is never copied into this
# repository: the agent provides it (BUILDKITE_PIPELINE_SCHEMA, or ../shared beside the checkout),
# or BUILDKITE_PIPELINE_SCHEMA_URL names a pinned copy to download for this job.
set -euo pipefail
cd "${BUILDKITE_BUILD_CHECKOUT_PATH:-.}"

if [[ -z "${BUILDKITE_PIPELINE_SCHEMA:-}" && ! -f ../shared/buildkite/pipeline-schema.json && -n "${BUILDKITE_PIPELINE_SCHEMA_URL:-}" ]]; then
  schema_dir="$(mktemp -d)"
  trap 'rm -rf "${schema_dir}"' EXIT
  echo "--- :buildkite: downloading the pipeline schema"
  curl -fsSL --retry 3 -o "${schema_dir}/pipeline-schema.json" "${BUILDKITE_PIPELINE_SCHEMA_URL}"
  export BUILDKITE_PIPELINE_SCHEMA="${schema_dir}/pipeline-schema.json"
fi

./.ci/run
