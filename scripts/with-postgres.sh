#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server (Debian's postgresql,
# installed if missing): a new cluster in a temporary directory, listening on
# 127.0.0.1 only, stopped and deleted when the command ends. The command gets
# DATABASE_URL pointing at it (a superuser, so sqlx's tests may create one
# database per test).
#   scripts/with-postgres.sh cargo test --features postgres
set -euo pipefail
cd "$(dirname "$0")/.."

# The newest installed server (a client-only version has no initdb).
server_bin() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 | xargs -r dirname; }
bin=$(server_bin)
if [ -z "$bin" ]; then
  printf '\033[1m==> %s\033[0m\n' "installing Debian's postgresql for the PostgreSQL tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(server_bin)
fi

port=${PGPORT_FOR_TESTS:-55432}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port is taken (a PostgreSQL left by an earlier run?); stop it or set PGPORT_FOR_TESTS" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
# PostgreSQL refuses to run as root: the cluster belongs to a plain user.
run=(env)
if [ "$(id -u)" = 0 ]; then
  id gatehouse-pg >/dev/null 2>&1 || useradd --system --no-create-home gatehouse-pg
  run=(runuser -u gatehouse-pg --)
fi
stop() {
  (cd "$dir" && "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1) || true
  rm -rf "$dir"
}
trap stop EXIT
[ "$(id -u)" = 0 ] && chown gatehouse-pg "$dir"
# Run from the cluster's directory: the server's user may not read this one.
(
  cd "$dir"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U gatehouse --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=${PG_FSYNC:-off}" start >/dev/null
)
export DATABASE_URL="postgres://gatehouse@127.0.0.1:$port/gatehouse"
"$bin/createdb" -h 127.0.0.1 -p "$port" -U gatehouse gatehouse
"$@"
