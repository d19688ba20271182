#!/usr/bin/env bash
# tarn's main job on local defaults: installs what is missing, builds, starts a local
# PostgreSQL (with a small sample schema) and tarn-sim (the local cloud, state persisted),
# then runs postgres-prep and postgres-mirror against them with --cloud local and ends on
# the mirror-status table. Run it again: the second run changes nothing. Everything it
# keeps is under ./.tarn-demo; `./demo.sh --stop` stops the servers.
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
demo=$root/.tarn-demo
mkdir -p "$demo"
pgdata=$demo/pg
pgport=${TARN_DEMO_PG_PORT:-54329}
simport=${TARN_DEMO_SIM_PORT:-8642}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

run_pg() {  # PostgreSQL refuses to run as root: use the postgres system user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop() {
  [ -f "$demo/sim.pid" ] && kill "$(cat "$demo/sim.pid")" 2>/dev/null || true
  rm -f "$demo/sim.pid"
  [ -n "$pgbin" ] && [ -f "$pgdata/postmaster.pid" ] && run_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null || true
}
if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

tools/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target tarn tarn-sim tarn_plugin_net tarn_plugin_pg
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
tarn=$root/build/tarn

echo "== local PostgreSQL on 127.0.0.1:$pgport"
admin_pw_file=$demo/admin-password
[ -f "$admin_pw_file" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$admin_pw_file")
if [ ! -f "$pgdata/PG_VERSION" ]; then
  mkdir -p "$pgdata"; [ "$(id -u)" = 0 ] && chown postgres "$demo" "$pgdata"
  pwfile=$(mktemp); cp "$admin_pw_file" "$pwfile"; chmod 644 "$pwfile"
  run_pg "$pgbin/initdb" -D "$pgdata" -U pgadmin -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$pwfile" >/dev/null
  rm -f "$pwfile"
  cat >> "$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pgport
unix_socket_directories = '$pgdata'
wal_level = logical
max_worker_processes = 16
CONF
fi
if ! run_pg "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  run_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w start >/dev/null
fi
run_pg "$pgbin/psql" -q -h "$pgdata" -p "$pgport" -U pgadmin -d postgres -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'azure_cdc_admin') THEN
    CREATE ROLE azure_cdc_admin NOLOGIN;  -- what enabling Fabric mirroring creates on Azure
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS public.customers (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());
CREATE TABLE IF NOT EXISTS public.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers, total numeric(12,2));
CREATE TABLE IF NOT EXISTS public.order_events (at timestamptz NOT NULL, order_id bigint, payload jsonb);
INSERT INTO public.customers (id, name) SELECT g, 'customer ' || g FROM generate_series(1, 100) g ON CONFLICT DO NOTHING;
INSERT INTO public.orders (id, customer_id, total) SELECT g, 1 + g % 100, g * 1.5 FROM generate_series(1, 500) g ON CONFLICT DO NOTHING;
SQL

echo "== tarn-sim on 127.0.0.1:$simport (state in .tarn-demo/sim-state.json)"
tenant=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
client=7c6b5a49-3827-4165-9f8e-7d6c5b4a3928
client_secret_file=$demo/client-secret
[ -f "$client_secret_file" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$client_secret_file")
"$tarn" tools/demo-seed.lua "$demo/seed.json" "$(cat "$admin_pw_file")" "$tenant" "$client" "$(cat "$client_secret_file")"
if ! { [ -f "$demo/sim.pid" ] && kill -0 "$(cat "$demo/sim.pid")" 2>/dev/null; }; then
  build/sim/tarn-sim --port "$simport" --state "$demo/sim-state.json" --seed "$demo/seed.json" > "$demo/sim.log" 2>&1 &
  echo $! > "$demo/sim.pid"
  for _ in $(seq 50); do grep -q "listening" "$demo/sim.log" && break; sleep 0.1; done
fi

export TARN_CLOUD=local TARN_SIM_URL=http://127.0.0.1:$simport
export AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client
AZURE_CLIENT_SECRET=$(cat "$client_secret_file"); export AZURE_CLIENT_SECRET

echo; echo "== postgres-prep"
"$tarn" run postgres-prep --set server=127.0.0.1 --set port="$pgport" --set admin_user=pgadmin \
  --set admin_password_secret=postgres-admin-password --set keyvault=kv-demo \
  --set subscription=00000000-0000-4000-8000-000000000001 --set resource_group=rg-demo --set server_name=pg-demo

echo; echo "== postgres-mirror"
"$tarn" run postgres-mirror --set workspace=Demo --set name=pg-mirror-demo --set server=127.0.0.1 --set keyvault=kv-demo \
  --set tables=public.customers,public.orders,public.order_events,public.fabric_mirror_seed

echo; echo "== mirror-status"
"$tarn" run mirror-status --set workspace=Demo
echo
echo "(run ./demo.sh again: every step reports unchanged. ./demo.sh --stop stops PostgreSQL and tarn-sim.)"
