#!/usr/bin/env bash
# A private copy of PostgreSQL 15's binaries and share files, so that several engineers (or a
# benchmark of one commit) can `make install` pg_observe side by side without overwriting the
# system's copy. PostgreSQL finds its libraries and share files relative to its binaries.
#
#   scripts/private_pg.sh ROOT      creates ROOT (once) and prints ROOT/bin
#   PATH=$(scripts/private_pg.sh /tmp/pgroot_me):$PATH make install && scripts/pg_server.sh start …
set -euo pipefail
root=${1:?usage: private_pg.sh ROOT}
sys=$(/usr/lib/postgresql/15/bin/pg_config --bindir)/..
if [ ! -x "$root/lib/postgresql/15/bin/postgres" ]; then
  mkdir -p "$root/lib/postgresql" "$root/share/postgresql"
  cp -a "$(readlink -f "$sys")" "$root/lib/postgresql/15"
  cp -a /usr/share/postgresql/15 "$root/share/postgresql/15"
  mkdir -p "$root/include"
  cp -a /usr/include/postgresql "$root/include/postgresql"
  chmod -R a+rX "$root"
fi
echo "$root/lib/postgresql/15/bin"
