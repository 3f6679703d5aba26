#!/usr/bin/env bash
# Default branch: `pulumi up` of STACK. Pulumi Cloud and AWS credentials come from the step's OIDC
# plugins; nothing here holds a key.
# Usage: .buildkite/scripts/pulumi-up.sh STACK
set -euo pipefail
cd "${BUILDKITE_BUILD_CHECKOUT_PATH:-.}"

stack="${1:?usage: pulumi-up.sh STACK}"

echo "--- :npm: npm ci"
npm ci --no-audit --no-fund

echo "+++ :pulumi: pulumi up --stack ${stack}"
pulumi up --yes --stack "${stack}" --non-interactive --color never
