#!/usr/bin/env bash
# Pull requests: `pulumi preview --diff` of STACK, posted as the annotation "pulumi-STACK": the
# change summary, then the whole preview in a details block, cut to stay under Buildkite's 1 MiB
# annotation limit (the full text is kept as an artifact). Pulumi Cloud and AWS credentials come
# from the step's OIDC plugins; nothing here holds a key.
# Usage: .buildkite/scripts/pulumi-preview.sh STACK
set -euo pipefail
cd "${BUILDKITE_BUILD_CHECKOUT_PATH:-.}"

stack="${1:?usage: pulumi-preview.sh STACK}"
# Bytes of preview text the annotation may carry; the rest of the body needs far less than the
# remaining ~48 KiB of the 1 MiB limit.
max_preview_bytes="${PREVIEW_ANNOTATION_MAX_BYTES:-1000000}"
out="out/preview"
log="${out}/${stack}.txt"
summary="${out}/${stack}.summary.txt"
annotation="${out}/${stack}.md"
mkdir -p "${out}"
rm -f "${log}" "${summary}" "${annotation}"

echo "--- :npm: npm ci"
npm ci --no-audit --no-fund

echo "+++ :pulumi: pulumi preview --diff --stack ${stack}"
status=0
pulumi preview --diff --stack "${stack}" --non-interactive --color never 2>&1 | tee "${log}" || status=$?

# Plain text only, whatever the terminal settings were.
sed -i 's/\x1b\[[0-9;]*[A-Za-z]//g' "${log}"

if [[ "${status}" -eq 0 ]]; then
  # The change summary: from the last "Resources:" line to the end.
  awk '/^Resources:/ { buf = ""; found = 1 } found { buf = buf $0 "\n" } END { printf "%s", buf }' "${log}" >"${summary}"
else
  tail -n 30 "${log}" >"${summary}"
fi
if [[ ! -s "${summary}" ]]; then
  echo "(no change summary in the preview output: see the job log)" >"${summary}"
fi

# A fence longer than any run of backticks in the text.
longest="$(cat "${log}" "${summary}" | { grep -o '`\+' || true; } | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')"
fence_length=$((longest < 3 ? 3 : longest + 1))
fence="$(printf '%*s' "${fence_length}" '' | tr ' ' '`')"

total_bytes="$(wc -c <"${log}")"
total_lines="$(wc -l <"${log}")"
{
  printf "#### :pulumi: \`pulumi preview --diff\` of stack \`%s\`\n\n" "${stack}"
  if [[ "${status}" -ne 0 ]]; then
    printf '**The preview failed (exit %s).** The last lines:\n\n' "${status}"
  fi
  printf '%s\n' "${fence}"
  cat "${summary}"
  printf '%s\n\n' "${fence}"
  printf '<details>\n<summary>Full preview (%s lines)</summary>\n\n%s\n' "${total_lines}" "${fence}"
  # Whole lines only, counted in bytes (C locale), so no character is cut in half.
  LC_ALL=C awk -v max="${max_preview_bytes}" '{ n += length($0) + 1; if (n > max) exit; print }' "${log}"
  printf '%s\n\n' "${fence}"
  if [[ "${total_bytes}" -gt "${max_preview_bytes}" ]]; then
    printf "> **Truncated** to stay under the annotation size limit: the full preview is the artifact \`%s\`.\n\n" "${log}"
  fi
  printf '</details>\n'
} >"${annotation}"

style=info
if [[ "${status}" -ne 0 ]]; then
  style=error
fi
buildkite-agent annotate --context "pulumi-${stack}" --style "${style}" <"${annotation}"
exit "${status}"
