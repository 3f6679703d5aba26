#!/usr/bin/env bash
# Pull requests, no credentials: render STACK offline at the pull request's base branch and at this
# commit (`npm run synth -- --diff`), and post the difference as the annotation "synth-STACK".
# Usage: .buildkite/scripts/synth-diff.sh STACK
set -euo pipefail
cd "${BUILDKITE_BUILD_CHECKOUT_PATH:-.}"

stack="${1:?usage: synth-diff.sh STACK}"
base_branch="${BUILDKITE_PULL_REQUEST_BASE_BRANCH:?not a pull request build: BUILDKITE_PULL_REQUEST_BASE_BRANCH is empty}"
out="out/pr"
annotation="${out}/${stack}/diff.md"
rm -f "${annotation}"

echo "--- :git: fetching origin/${base_branch}"
git fetch --no-tags origin "+refs/heads/${base_branch}:refs/remotes/origin/${base_branch}"

echo "--- :npm: npm ci"
npm ci --no-audit --no-fund

echo "+++ :pulumi: offline synth diff of ${stack} against origin/${base_branch}"
status=0
npm run --silent synth -- --stack "${stack}" --out "${out}" --diff "origin/${base_branch}" || status=$?

style=info
if [[ "${status}" -ne 0 ]]; then
  style=error
fi
if [[ -f "${annotation}" ]]; then
  buildkite-agent annotate --context "synth-${stack}" --style "${style}" <"${annotation}"
else
  printf "Offline synth diff of stack \`%s\` failed (exit %s): see the job log.\n" "${stack}" "${status}" |
    buildkite-agent annotate --context "synth-${stack}" --style error
fi
exit "${status}"
