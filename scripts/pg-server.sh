#!/bin/sh
# The project's own PostgreSQL server for the shared central database (docs/postgres.md).
#
#   sh scripts/pg-server.sh start    install Debian's postgresql when missing, create the
#                                    cluster in $ONEPLAN_PG_DIR (default .pg/) and start it
#                                    on 127.0.0.1:$ONEPLAN_PG_PORT (default 55432) and a
#                                    socket in that folder; prints the owner's URL
#   sh scripts/pg-server.sh stop     stop it
#   sh scripts/pg-server.sh status   exit 0 when it runs
#   sh scripts/pg-server.sh url      the owner's URL (postgresql://…/oneplan)
#
# Loopback only. The owner role `oneplan_owner` (password $ONEPLAN_PG_PASSWORD, default
# "oneplan-dev-only") owns the database `oneplan`; office and other accounts are made with
# `oneplan db grant`. As root the server runs as Debian's `postgres` user (PostgreSQL
# refuses root); otherwise as the current user.
set -eu
cd "$(dirname "$0")/.."
DIR="${ONEPLAN_PG_DIR:-$PWD/.pg}"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
PORT="${ONEPLAN_PG_PORT:-55432}"
PASS="${ONEPLAN_PG_PASSWORD:-oneplan-dev-only}"
DBNAME="${ONEPLAN_PG_DATABASE:-oneplan}"
URL="postgresql://oneplan_owner:$PASS@127.0.0.1:$PORT/$DBNAME"

bindir() {
  for d in ${ONEPLAN_PG_BIN:-} /usr/lib/postgresql/*/bin; do
    [ -n "$d" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_server() {
  bindir >/dev/null && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "no PostgreSQL server and no apt-get: install PostgreSQL (>= 13) or set ONEPLAN_PG_BIN" >&2; exit 3; }
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      echo "PostgreSQL is missing; run: sudo apt-get install postgresql" >&2; exit 3
    fi
  fi
  echo "installing PostgreSQL (Debian package postgresql)..." >&2
  $SUDO apt-get update -qq
  # the package's own cluster is not used (and not started): the project makes its own
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-client >/dev/null
  bindir >/dev/null
}

as_owner() {  # run a server program as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
  B="$(bindir)" || return 1
  [ -f "$DIR/data/PG_VERSION" ] || return 1
  as_owner "$B/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

start() {
  install_server
  B="$(bindir)"
  if running; then echo "$URL"; return 0; fi
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; chmod 700 "$DIR"; fi
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    PWFILE="$DIR/.pw"
    (umask 077; printf '%s\n' "$PASS" > "$PWFILE")
    [ "$(id -u)" = 0 ] && chown postgres "$PWFILE"
    as_owner "$B/initdb" -D "$DIR/data" -U oneplan_owner --pwfile="$PWFILE" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$PWFILE"
  fi
  as_owner "$B/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB -c fsync=${ONEPLAN_PG_FSYNC:-on}" \
    start >/dev/null
  if ! as_owner "$B/psql" -h "$DIR" -p "$PORT" -U oneplan_owner -d postgres -tAc \
       "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" | grep -q 1; then
    as_owner "$B/psql" -h "$DIR" -p "$PORT" -U oneplan_owner -d postgres -qc \
      "CREATE DATABASE \"$DBNAME\"" >/dev/null
  fi
  echo "$URL"
}

stop() {
  B="$(bindir)" || exit 0
  running && as_owner "$B/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
  return 0
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
