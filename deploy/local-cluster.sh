#!/usr/bin/env bash
# Starts a Parley cluster on loopback from the build tree: PostgreSQL (the
# records), Redis (live traffic), two nodes and nginx in front, in a temporary
# directory; Ctrl-C stops everything (and the data goes with it).
#   deploy/local-cluster.sh            # then open http://127.0.0.1:8090 and /console
# Ports: nginx 8090, nodes 8091 and 8092, Redis 6390, PostgreSQL 6391
# (override with PARLEY_PORT_BASE, PARLEY_REDIS_PORT, PARLEY_PG_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${PARLEY_PORT_BASE:-8090}
redis_port=${PARLEY_REDIS_PORT:-6390}
pg_port=${PARLEY_PG_PORT:-6391}
pg_bin=/usr/lib/postgresql/15/bin
[[ -x build/server/parley-server ]] || { echo "build first: scripts/build.sh && scripts/build-client.sh" >&2; exit 1; }
command -v nginx >/dev/null || { echo "needs nginx: apt-get install nginx-light" >&2; exit 1; }
[[ -x $pg_bin/postgres ]] || { echo "needs PostgreSQL 15: apt-get install postgresql-15" >&2; exit 1; }

dir=$(mktemp -d /tmp/parley-cluster-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

redis-server deploy/redis/parley-redis.conf --port "$redis_port" --dir "$dir" --daemonize no \
  --logfile "$dir/redis.log" &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

# PostgreSQL refuses to run as root: then it runs as the postgres user.
as_pg=()
if [[ $(id -u) == 0 ]]; then as_pg=(runuser -u postgres --); chmod o+x "$dir"; mkdir -p "$dir/pg"; chown postgres "$dir/pg"; fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log"
"${as_pg[@]}" "$pg_bin/postgres" -D "$dir/pg/data" -p "$pg_port" -k "$dir/pg" -c listen_addresses=127.0.0.1 \
  >"$dir/postgres.log" 2>&1 &
pids+=($!)
until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; do sleep 0.1; done
"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE parley" postgres
database="postgresql://postgres@127.0.0.1:$pg_port/parley"

for n in 1 2; do
  build/server/parley-server --listen "127.0.0.1:$((base + n))" --static-dir client-js/dist \
    --agents deploy/agents.example.json --trusted-proxy 127.0.0.1 --redis "redis://127.0.0.1:$redis_port" --database "$database" > "$dir/node$n.log" 2>&1 &
  pids+=($!)
done

nodes="server 127.0.0.1:$((base + 1)); server 127.0.0.1:$((base + 2));"
sed -e "s|@LISTEN@|127.0.0.1:$base|" -e "s|@NODES@|$nodes|" deploy/nginx/parley.conf.template > "$dir/site.conf"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  include $dir/site.conf;
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
pids+=($!)

echo "Parley cluster: http://127.0.0.1:$base (console: /console); nodes on $((base + 1)), $((base + 2)); Redis $redis_port; PostgreSQL $database"
echo "logs in $dir; Ctrl-C stops everything"
wait
