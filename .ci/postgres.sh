#!/usr/bin/env bash
# Makes a local PostgreSQL usable by the tests and prints its URL on stdout
# (everything else goes to stderr): installs Debian's `postgresql` if its
# tools are missing, starts the newest cluster (creating one if there is
# none), and creates a password role that may create databases, reachable
# over TCP on 127.0.0.1. Idempotent; stops nothing. Needs root (or sudo).
set -euo pipefail

ROLE=ocrotire_test
PASSWORD=ocrotire_test

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    echo "installing postgresql" >&2
    as_root apt-get update >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y postgresql >&2
fi

# The newest cluster: "version name port status ...".
newest_cluster() {
    pg_lsclusters --no-header 2>/dev/null | sort -k1,1V | tail -n 1
}
if [ -z "$(newest_cluster)" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    echo "creating cluster $version/main" >&2
    as_root pg_createcluster "$version" main >&2
fi
read -r version name port status _ <<<"$(newest_cluster)"
if [ "$status" != online ]; then
    echo "starting cluster $version/$name on port $port" >&2
    as_root pg_ctlcluster "$version" "$name" start >&2
fi

# The server may still be opening its socket right after the start.
for _ in $(seq 1 60); do
    if as_root runuser -u postgres -- psql -p "$port" -qAt -c 'SELECT 1' >/dev/null 2>&1; then
        break
    fi
    sleep 0.5
done
as_root runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -q >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    ELSE
        ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL

# Debian's default pg_hba.conf accepts passwords from 127.0.0.1.
echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
