# A local Redis Cluster: three masters with a replica each, on 127.0.0.1, data under
# .data/redis-cluster/<port>. Sourced by scripts/infra.sh (its process helpers and SK_INFRA_PASSWORD).
#
# `./sk test` starts it for the files that run the sale on a cluster (packages/test-support/src/infra.ts,
# isolate(..., { redis: 'cluster' })); `scripts/infra.sh cluster` starts it by hand and prints the
# REDIS_CLUSTER_NODES and REDIS_URL (for the password) that put `./sk up` on it.

SK_CLUSTER_PORTS=(17001 17002 17003 17004 17005 17006)   # the first three start as masters

cluster_nodes() { local IFS=,; printf '%s\n' "${SK_CLUSTER_PORTS[*]/#/127.0.0.1:}"; }
cluster_url() { printf 'redis://default:%s@127.0.0.1:%s\n' "$SK_INFRA_PASSWORD" "${SK_CLUSTER_PORTS[0]}"; }

# cluster_cli PORT ARGS... : redis-cli on one node, the password through the environment
cluster_cli() { local port=$1; shift; REDISCLI_AUTH="$SK_INFRA_PASSWORD" timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@"; }

cluster_state_ok() { [ "$(cluster_cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p')" = ok ]; }

# A short node timeout: a master that dies is replaced by its replica within seconds.
start_cluster_node() {
  local port=$1 dir="$SK_DATA/redis-cluster/$1"
  mkdir -p "$dir"
  (umask 077; rm -f "$dir/redis.conf"; cat > "$dir/redis.conf") <<EOF
bind 127.0.0.1
port $port
dir $dir
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 2000
appendonly yes
appendfsync everysec
save ""
maxmemory 512mb
maxmemory-policy noeviction
requirepass $SK_INFRA_PASSWORD
masterauth $SK_INFRA_PASSWORD
EOF
  spawn redis-cluster "$port" "$SK_LOGS/redis-cluster-$port.log" redis-server "$dir/redis.conf"
}

# cluster_ensure : the local cluster running with every slot served (created on its first start)
cluster_ensure() {
  local port pidf
  need_binaries redis
  for port in "${SK_CLUSTER_PORTS[@]}"; do
    pidf="$SK_RUN/redis-cluster-$port.pid"
    pidfile_alive "$pidf" && continue
    port_open 127.0.0.1 "$port" && die "redis-cluster: port $port is taken by something ./sk did not start"
    start_cluster_node "$port"
    SK_INFRA_STARTED+=("$pidf")
  done
  for port in "${SK_CLUSTER_PORTS[@]}"; do
    wait_until "$SK_WAIT_SECS" "redis-cluster on port $port" "$SK_RUN/redis-cluster-$port.pid" \
      "$SK_LOGS/redis-cluster-$port.log" cluster_cli "$port" ping || die "redis-cluster node $port did not start"
  done
  if [ "$(cluster_cli "${SK_CLUSTER_PORTS[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" = 1 ]; then
    log "redis-cluster: creating it (3 masters, 3 replicas)"
    REDISCLI_AUTH="$SK_INFRA_PASSWORD" redis-cli --cluster create $(cluster_nodes | tr , ' ') \
      --cluster-replicas 1 --cluster-yes > "$SK_LOGS/redis-cluster-create.log" 2>&1 \
      || { tail -n 20 "$SK_LOGS/redis-cluster-create.log" >&2; die "redis-cli --cluster create failed"; }
  fi
  for port in "${SK_CLUSTER_PORTS[@]}"; do
    wait_until "$SK_WAIT_SECS" "redis-cluster's state on port $port" "" "$SK_LOGS/redis-cluster-$port.log" \
      cluster_state_ok "$port" || die "redis-cluster is not ok on port $port"
  done
}
