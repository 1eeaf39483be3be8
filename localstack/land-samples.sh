#!/usr/bin/env bash
# Lands localstack/samples/* in the raw bucket of the deployed dev stack on LocalStack, under
# source=pricehubble/dt=<day>/, the layout the loader reads (rawPrefix in
# src/domain/lake/lakeLayout.ts). The raw zone is never modified: a sample that is already
# there with the same content is left alone, one there with other content stops the landing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=localstack/environment.sh
. "$here/environment.sh"

print_help() {
  cat <<EOF
Usage: $0 [--date YYYY-MM-DD]

Lands the bundled samples (localstack/samples/) in the raw bucket of $stack_name on LocalStack
($AWS_ENDPOINT_URL), under source=$sample_source/dt=<day>/. Default day: $default_day.
Needs the deployed stack (localstack/deploy-and-run.sh) and awslocal.
EOF
}

day="$default_day"
while [ $# -gt 0 ]; do
  case "$1" in
    --date)
      [ $# -ge 2 ] || usage_error '--date needs a day, e.g. --date 2024-01-15.'
      day="$2"
      shift 2
      ;;
    --date=*)
      day="${1#--date=}"
      shift
      ;;
    -h | --help)
      print_help
      exit 0
      ;;
    *) usage_error "Unknown argument '$1'." ;;
  esac
done
require_day "$day"
require_command awslocal 'Install it with: pip install awscli-local (it wraps the AWS CLI).'

bucket="$(stack_output "$raw_bucket_output")"
prefix="source=$sample_source/dt=$day/"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

shopt -s nullglob
samples=("$here"/samples/*)
if [ ${#samples[@]} -eq 0 ]; then
  echo "No samples in $here/samples/." >&2
  exit 1
fi

# Check every sample before copying any, so a conflict lands nothing.
to_copy=()
for sample in "${samples[@]}"; do
  key="$prefix$(basename "$sample")"
  if awslocal s3api head-object --bucket "$bucket" --key "$key" >/dev/null 2>&1; then
    awslocal s3 cp --only-show-errors "s3://$bucket/$key" "$scratch/there"
    if ! cmp -s "$sample" "$scratch/there"; then
      echo "s3://$bucket/$key already exists with different content; nothing was landed." >&2
      echo "The raw zone is never modified: land the file under another name, or another day (--date)." >&2
      exit 1
    fi
    echo "already landed: s3://$bucket/$key"
  else
    to_copy+=("$sample")
  fi
done
# (the +… form: bash 3.2, macOS's, calls an empty array unbound under set -u)
for sample in ${to_copy[@]+"${to_copy[@]}"}; do
  key="$prefix$(basename "$sample")"
  awslocal s3 cp --only-show-errors "$sample" "s3://$bucket/$key"
  echo "landed: s3://$bucket/$key"
done
