# shellcheck shell=bash
# The constants are for the scripts that source this file, so unused here:
# shellcheck disable=SC2034
# What the LocalStack scripts share: the stack they talk to, its outputs, and the day and
# source the samples land as. Sourced, not run. The names are the stack's own
# (stackNameOf('dev') in lib/config/environments.ts, addOutputs in
# lib/listingsPipelineStack.ts); test/infra/localstackSetup.test.ts fails when they drift.

readonly stack_name='Listings-dev'
readonly raw_bucket_output='RawBucketName'
readonly state_machine_output='StateMachineArn'

# The samples are pricehubble exports; the day is the one `npm start` loads them for.
readonly sample_source='pricehubble'
readonly default_day='2024-01-15'

# LocalStack answers on this machine only (docker-compose.yml binds 127.0.0.1).
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
# The dev stack's region (docs/deploy.md); LocalStack emulates any region.
export AWS_DEFAULT_REGION="${LISTINGS_DEV_REGION:-eu-central-2}"
export AWS_REGION="$AWS_DEFAULT_REGION"

usage_error() {
  echo "$1" >&2
  echo "See: $0 --help" >&2
  exit 2
}

# A real calendar day as YYYY-MM-DD (2024-02-30 is refused), checked with node, which npm
# needs anyway, so that it behaves the same on GNU and BSD systems.
require_day() {
  local day="$1"
  # shellcheck disable=SC2016 # JavaScript, not shell, inside the quotes
  if ! node -e '
    const d = process.argv[1];
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
    process.exit(ok ? 0 : 1);
  ' "$day" 2>/dev/null; then
    usage_error "--date must be a real day as YYYY-MM-DD, e.g. $default_day; got '$day'."
  fi
}

require_command() {
  local command_name="$1" hint="$2"
  if ! command -v "$command_name" >/dev/null 2>&1; then
    echo "$command_name is not installed. $hint" >&2
    exit 1
  fi
}

# One output of the deployed stack, or a message that says to deploy first.
stack_output() {
  local key="$1" value
  if ! value="$(awslocal cloudformation describe-stacks --stack-name "$stack_name" \
    --query "Stacks[0].Outputs[?OutputKey=='$key'].OutputValue" --output text 2>/dev/null)" ||
    [ -z "$value" ] || [ "$value" = 'None' ]; then
    echo "The stack $stack_name (output $key) is not deployed on LocalStack at $AWS_ENDPOINT_URL:" >&2
    echo "run localstack/deploy-and-run.sh first." >&2
    exit 1
  fi
  printf '%s\n' "$value"
}
