# Sourced by .ci/run (and usable by hand: `source .ci/postgres.sh; start_postgres`).
# start_postgres exports CAPSULE_TEST_POSTGRES, the DSN the mirror's tests use:
#  - as given, when it is already set;
#  - else the machine's PostgreSQL on 127.0.0.1:5432 (trust auth, database test)
#    when it answers, unless CAPSULE_CI_PRIVATE_PG=1;
#  - else a private cluster: PostgreSQL installed from Debian's packages when it
#    is missing, initialised in a temporary folder owned by an unprivileged
#    user, listening on loopback only. stop_postgres stops and removes it.

pg_private_dir=""
pg_private_user=capsuleci

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

start_postgres() {
  if [ -n "${CAPSULE_TEST_POSTGRES:-}" ]; then
    return 0
  fi
  if [ "${CAPSULE_CI_PRIVATE_PG:-0}" != 1 ] && command -v pg_isready >/dev/null &&
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3 &&
    psql -h 127.0.0.1 -p 5432 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
    export CAPSULE_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
    return 0
  fi
  local bin
  if ! bin=$(pg_bin); then
    echo "PostgreSQL is not installed: installing it from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    bin=$(pg_bin)
  fi
  id -u "$pg_private_user" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_private_user"
  pg_private_dir=$(mktemp -d /tmp/capsule-pg.XXXXXX)
  chown "$pg_private_user" "$pg_private_dir"
  local port=55432
  while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  runuser -u "$pg_private_user" -- "$bin/initdb" -D "$pg_private_dir/data" -U postgres \
    --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u "$pg_private_user" -- "$bin/pg_ctl" -D "$pg_private_dir/data" -l "$pg_private_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pg_private_dir -c fsync=off" start >/dev/null
  runuser -u "$pg_private_user" -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  export CAPSULE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
}

stop_postgres() {
  if [ -n "$pg_private_dir" ]; then
    runuser -u "$pg_private_user" -- "$(pg_bin)/pg_ctl" -D "$pg_private_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_private_dir"
    pg_private_dir=""
  fi
}
