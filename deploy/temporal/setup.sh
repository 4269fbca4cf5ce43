#!/bin/sh
# Prepares a Temporal cluster for turnout, the same way for the native stack (`turnout stack up`)
# and for docker-compose.yml (the temporalio/admin-tools image). Every step can run again safely.
#
#   setup.sh schema      create both databases and bring their schema to the server's version
#   setup.sh namespace   create the namespace and register turnout's search attributes
#
# schema:    TEMPORAL_SQL_TOOL (default temporal-sql-tool), TEMPORAL_SCHEMA_DIR (the server's
#            schema/postgresql/v12), POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD
# namespace: TEMPORAL_CLI (default temporal), TEMPORAL_SETUP_ADDRESS (the internal frontend, which
#            the setup may use without a token), TEMPORAL_NAMESPACE, TEMPORAL_NAMESPACE_RETENTION,
#            TURNOUT_SEARCH_ATTRIBUTES (space-separated Keyword attributes)
# The password reaches the SQL tool through SQL_PASSWORD, never its command line.
set -eu

schema() {
  tool=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
  dir=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
  export SQL_PLUGIN=postgres12 SQL_HOST="${POSTGRES_SEEDS:-127.0.0.1}" SQL_PORT="${DB_PORT:-5432}"
  export SQL_USER="${POSTGRES_USER:-temporal}" SQL_PASSWORD="${POSTGRES_PWD:?POSTGRES_PWD must be set}"
  for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
    db=${pair%%:*}
    kind=${pair#*:}
    # create-database fails when the database exists; the schema steps below tell the truth.
    "$tool" --db "$db" create-database >/dev/null 2>&1 || true
    "$tool" --db "$db" setup-schema -v 0.0
    "$tool" --db "$db" update-schema -d "$dir/$kind/versioned"
  done
}

namespace() {
  cli=${TEMPORAL_CLI:-temporal}
  address=${TEMPORAL_SETUP_ADDRESS:-127.0.0.1:7236}
  ns=${TEMPORAL_NAMESPACE:-default}
  # The server may still be starting (compose starts this beside it): wait for it, bounded.
  waited=0
  until "$cli" operator cluster health --address "$address" >/dev/null 2>&1; do
    waited=$((waited + 1))
    if [ "$waited" -gt "${SETUP_WAIT_SECONDS:-120}" ]; then echo "setup.sh: no Temporal server at $address" >&2; exit 1; fi
    sleep 1
  done
  if ! "$cli" operator namespace describe --address "$address" --namespace "$ns" >/dev/null 2>&1; then
    "$cli" operator namespace create --address "$address" --namespace "$ns" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}"
  fi
  for name in ${TURNOUT_SEARCH_ATTRIBUTES:-RolloutApp RolloutTarget RolloutState RolloutStrategy}; do
    # Registering an attribute that exists with the same type is not an error worth stopping for.
    "$cli" operator search-attribute create --address "$address" --namespace "$ns" --name "$name" --type Keyword >/dev/null 2>&1 \
      || "$cli" operator search-attribute list --address "$address" --namespace "$ns" | grep -q "$name"
  done
}

case "${1:-}" in
  schema) schema ;;
  namespace) namespace ;;
  *) echo "usage: setup.sh schema|namespace" >&2; exit 2 ;;
esac
