#!/usr/bin/env bash
# The dev stack on LocalStack, end to end: start LocalStack (docker-compose.yml), bootstrap,
# deploy Listings-dev with cdklocal, land the samples, start one execution, and say how to
# follow it. Which parts need a paid LocalStack tier: localstack/README.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repository="$(cd "$here/.." && pwd)"
# shellcheck source=localstack/environment.sh
. "$here/environment.sh"

compose_file="$here/docker-compose.yml"
# Pinned like every other tool of the repository; not a dependency of the project, since only
# this script needs it. Override to try another release.
cdklocal_package="aws-cdk-local@${CDKLOCAL_VERSION:-2.19.1}"
# The services the runs need beyond the free tier (README.md: ECS and ECR on Base, Glue and
# Athena on Ultimate).
paid_services=(ecr ecs glue athena)

print_help() {
  cat <<EOF
Usage: $0 [--date YYYY-MM-DD] [--allow-missing-services]

Starts LocalStack ($compose_file), deploys $stack_name with cdklocal, lands the samples for
the day under source=$sample_source/dt=<day>/ and starts one execution of the state machine.

  --date D                   the day to land and load (default $default_day)
  --allow-missing-services   go on when LocalStack does not offer ${paid_services[*]}
                             (free tier): the deploy may finish, the Load tasks and SQL use
                             cases cannot run

Needs: Docker with Compose, awslocal (pip install awscli-local), npm ci done in
$repository, and LOCALSTACK_AUTH_TOKEN in the environment.
EOF
}

day="$default_day"
allow_missing_services=false
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
    --allow-missing-services)
      allow_missing_services=true
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

step() { printf '\n== %s\n' "$1"; }

step 'Prerequisites'
require_command docker 'Install Docker: LocalStack and the container images of the stack need it.'
if ! docker info >/dev/null 2>&1; then
  echo 'The Docker daemon does not answer (docker info failed): start Docker and try again.' >&2
  exit 1
fi
if ! docker compose version >/dev/null 2>&1; then
  echo 'docker compose (Compose v2) is missing: install the Docker Compose plugin.' >&2
  exit 1
fi
require_command awslocal 'Install it with: pip install awscli-local (it wraps the AWS CLI).'
require_command npx 'Install Node (the version in .nvmrc) with npm.'
if [ ! -d "$repository/node_modules/aws-cdk" ]; then
  echo "Run npm ci in $repository first: cdklocal drives the CDK CLI the repository pins." >&2
  exit 1
fi
if [ -z "${LOCALSTACK_AUTH_TOKEN:-}" ]; then
  echo 'Set LOCALSTACK_AUTH_TOKEN (app.localstack.cloud, Auth Token): the LocalStack image needs it.' >&2
  exit 1
fi
echo 'docker, docker compose, awslocal, npx, node_modules, LOCALSTACK_AUTH_TOKEN: ok'

step "LocalStack ($AWS_ENDPOINT_URL)"
docker compose -f "$compose_file" up -d
health=''
for _ in $(seq 1 60); do
  if health="$(curl -fsS "$AWS_ENDPOINT_URL/_localstack/health" 2>/dev/null)"; then break; fi
  printf '.'
  sleep 2
done
if [ -z "$health" ]; then
  echo "LocalStack did not answer on $AWS_ENDPOINT_URL within 120 s: docker compose -f $compose_file logs localstack" >&2
  exit 1
fi
missing="$(printf '%s' "$health" | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => {
    const services = JSON.parse(text).services ?? {};
    const missing = process.argv.slice(1).filter((s) => !(s in services) || services[s] === "disabled");
    process.stdout.write(missing.join(" "));
  });
' "${paid_services[@]}")"
if [ -n "$missing" ]; then
  echo "This LocalStack does not offer: $missing (paid tiers; see $here/README.md)." >&2
  if [ "$allow_missing_services" != true ]; then
    echo 'The Load tasks (ECS) and the SQL use cases (Athena, Glue) cannot run without them.' >&2
    echo 'Run the same state machine offline instead: npx etl run --input localstack/samples/*' >&2
    echo 'or pass --allow-missing-services to deploy what LocalStack accepts anyway.' >&2
    exit 1
  fi
  echo 'Going on (--allow-missing-services): expect the execution to fail at Load.' >&2
fi
echo 'LocalStack is up.'

cdklocal() {
  # NODE_PATH: cdklocal loads the CDK CLI the repository pins (node_modules/aws-cdk).
  (cd "$repository" &&
    NODE_PATH="$repository/node_modules" CDK_DISABLE_CLI_TELEMETRY=true \
      LISTINGS_DEV_ACCOUNT=000000000000 LISTINGS_DEV_REGION="$AWS_DEFAULT_REGION" \
      npx --yes "$cdklocal_package" "$@")
}

step "Bootstrap (aws://000000000000/$AWS_DEFAULT_REGION)"
cdklocal bootstrap "aws://000000000000/$AWS_DEFAULT_REGION" --no-notices

step "Deploy $stack_name (builds the container images: minutes the first time)"
cdklocal deploy "$stack_name" --no-notices --require-approval never

step "Land the samples for $day"
"$here/land-samples.sh" --date "$day"

step "Start an execution for $day"
state_machine="$(stack_output "$state_machine_output")"
if (cd "$repository" && npm run --silent etl -- start --help >/dev/null 2>&1); then
  (cd "$repository" && npm run --silent etl -- start --env dev --date "$day")
  execution='<the execution ARN printed above>'
else
  execution="$(awslocal stepfunctions start-execution --state-machine-arn "$state_machine" \
    --input "{\"date\":\"$day\",\"sources\":[\"$sample_source\"]}" --query executionArn --output text)"
  echo "started: $execution"
fi

cat <<EOF

Follow it:
  awslocal stepfunctions describe-execution --execution-arn $execution --query '[status,error,cause]'
  awslocal stepfunctions get-execution-history --execution-arn $execution --query 'events[].type'
  docker compose -f $compose_file logs -f localstack     # LocalStack, the Lambdas, the ECS tasks
All executions of the state machine:
  awslocal stepfunctions list-executions --state-machine-arn $state_machine
Stop LocalStack (its state stays in the volume localstack-state):
  docker compose -f $compose_file down
EOF
