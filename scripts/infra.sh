#!/usr/bin/env bash
# Infrastructure for ./sk: Redis, MySQL (MariaDB) and ZooKeeper.
#
# Sourced by ./sk (it provides the process helpers and `infra_ensure`), or run directly:
#   scripts/infra.sh start [--test]   ensure all three, print the env to use
#   scripts/infra.sh stop             stop the private instances ./sk started (never anything else)
#   scripts/infra.sh status           list the private instances that are running
#   scripts/infra.sh cluster          a local Redis Cluster (scripts/redis-cluster.sh), its env printed
#
# For each of REDIS_URL / MYSQL_URL / ZK_HOSTS: when set and reachable it is used as is; otherwise a
# private instance is started on 127.0.0.1 with its data under .data/ (or one still running from an
# earlier start is reused). With --test the machine's own Redis (6379) and MariaDB (3306) are also
# acceptable before starting private ones. With the private ZooKeeper (not for --test), ZK_AUTH is
# `sk:<the private instances' password>`: the services make the znodes under their root that
# identity's alone; with another ZooKeeper it is whatever the environment says (none when unset).
#
# Every process ./sk starts has a pid file .data/run/<name>-<port>.pid holding "<pid> <start time>";
# the start time (from /proc) guards against acting on a recycled pid. A service instance's pid file
# names its supervisor (scripts/supervise.sh), which keeps <name>-<port>.service and .restarts beside it.

SK_ROOT="${SK_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
SK_DATA="$SK_ROOT/.data"
SK_RUN="$SK_DATA/run"
SK_LOGS="$SK_DATA/logs"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# Private instances: name port
SK_REDIS_PORT=16379
SK_MYSQL_PORT=13306
SK_ZK_PORT=12181
SK_ZK_USER=sk   # the digest identity the services take on the private ZooKeeper (ZK_AUTH)
SK_INFRA_NAMES=(redis mysql zookeeper redis-cluster)

SK_WAIT_SECS="${SK_WAIT_SECS:-60}"

log() { printf 'sk: %s\n' "$*" >&2; }
die() { printf 'sk: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- process helpers

proc_start_time() { # pid -> start time in clock ticks since boot (field 22 of /proc/pid/stat)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }          # drop "pid (comm) "
  set -- $stat               # now $1 = state (field 3), start time = field 22 -> $20
  [ "$1" != Z ] || return 1  # a zombie is dead
  printf '%s\n' "${20}"
}

pidfile_pid() { local pid _; read -r pid _ < "$1" 2>/dev/null && printf '%s\n' "$pid"; }

# true when the process recorded in the pid file is still the one we started
pidfile_alive() {
  local pid start now
  [ -f "$1" ] || return 1
  read -r pid start < "$1" 2>/dev/null || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  now=$(proc_start_time "$pid") || return 1
  [ -z "$start" ] || [ "$start" = "$now" ]
}

# spawn NAME PORT LOG CMD... : run CMD detached (own session, no stdin), output appended to LOG,
# pid recorded in .data/run/NAME-PORT.pid. Extra environment: pass CMD as `env VAR=.. prog ..`.
# The log of the previous run is kept as LOG.1.
spawn() {
  local name=$1 port=$2 logf=$3 pid start
  shift 3
  mkdir -p "$SK_RUN" "$(dirname "$logf")"
  [ ! -s "$logf" ] || mv -f "$logf" "$logf.1"
  printf '=== %s: starting %s on port %s\n' "$(date '+%F %T')" "$name" "$port" >> "$logf"
  setsid "$@" >> "$logf" 2>&1 < /dev/null &
  pid=$!
  disown "$pid" 2>/dev/null || true   # no job notices when it stops
  start=$(proc_start_time "$pid" || true)
  printf '%s %s\n' "$pid" "$start" > "$SK_RUN/$name-$port.pid"
}

# stop_pidfiles FILE... : TERM every live process (its whole session), KILL after 10 s, remove files
stop_pidfiles() {
  local f pid live=() deadline
  for f in "$@"; do
    if pidfile_alive "$f"; then
      pid=$(pidfile_pid "$f")
      log "stopping $(basename "$f" .pid) (pid $(instance_pid "$f" || echo "$pid"))"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      live+=("$f")
    fi
  done
  deadline=$((SECONDS + 10))
  while [ ${#live[@]} -gt 0 ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.2
    local still=()
    for f in "${live[@]}"; do pidfile_alive "$f" && still+=("$f"); done
    live=("${still[@]+"${still[@]}"}")
  done
  for f in "${live[@]+"${live[@]}"}"; do
    pid=$(pidfile_pid "$f")
    log "$(basename "$f" .pid) (pid $pid) did not stop within 10 s: killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  rm_pidfiles "$@"
}

rm_pidfiles() { local f; for f in "$@"; do rm -f "$f" "${f%.pid}.service" "${f%.pid}.restarts"; done; }

# instance_pid PIDFILE : the instance's own pid, for a service the one its supervisor started (in
# NAME-PORT.service); fails while a supervised service is down, between a death and its restart
instance_pid() {
  local service=${1%.pid}.service
  if [ -e "$service" ]; then pidfile_alive "$service" && pidfile_pid "$service"; else pidfile_pid "$1"; fi
}

# all pid files of instances whose process is alive; stale ones are removed. Optional NAME filter.
live_pidfiles() {
  local f
  [ -d "$SK_RUN" ] || return 0
  for f in "$SK_RUN"/${1:-*}-[0-9]*.pid; do
    [ -e "$f" ] || continue
    if pidfile_alive "$f"; then printf '%s\n' "$f"; else rm_pidfiles "$f"; fi
  done
}

# health_ok PORT : GET http://127.0.0.1:PORT/health answers 200
health_ok() {
  timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0
    printf "GET /health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$0" >&3
    head -n 1 <&3' "$1" 2>/dev/null | grep -q '^HTTP/1\.[01] 200 '
}

mask_url() { printf '%s\n' "$1" | sed -E 's#(//[^:/@]*):[^@/]*@#\1:***@#'; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_until SECS WHAT PIDFILE LOG CMD... : poll CMD until it succeeds; fail early if the process died
wait_until() {
  local secs=$1 what=$2 pidf=$3 logf=$4 deadline
  shift 4
  deadline=$((SECONDS + secs))
  until "$@" > /dev/null 2>&1; do
    if [ -n "$pidf" ] && ! pidfile_alive "$pidf"; then
      log "$what exited during start-up; last lines of $logf:"
      tail -n 30 "$logf" >&2 || true
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "$what not ready after ${secs} s; last lines of $logf:"
      tail -n 30 "$logf" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- reachability checks

redis_ok() { # URL
  if command -v redis-cli > /dev/null; then
    # the password through the environment: a command line is visible to every local user
    local pass=${1#*://}; pass=${pass%%@*}
    case $1 in *@*) pass=${pass#*:} ;; *) pass='' ;; esac
    [ "$(REDISCLI_AUTH="$(printf '%b' "${pass//%/\x}")" timeout 3 redis-cli -u "$(printf '%s' "$1" | sed -E 's#//[^@/]*@#//#')" ping 2>/dev/null)" = PONG ]
  else # without a client: a Redis answers PING with +PONG (or -NOAUTH when it wants a password)
    local hp=${1#*://}; hp=${hp##*@}; hp=${hp%%/*}
    local host=${hp%:*} port=6379
    [ "$host" = "$hp" ] || port=${hp##*:}
    timeout 3 bash -c 'exec 3<>/dev/tcp/$0/$1; printf "PING\r\n" >&3; head -c 6 <&3' "$host" "$port" 2>/dev/null \
      | grep -Eq '^(\+PONG|-NOAUTH)'
  fi
}

mysql_ok() { # URL mysql://user[:password]@host[:port][/db][?options]
  local re='^mysql://([^:@/]*)(:([^@]*))?@([^:/?]+)(:([0-9]+))?'
  [[ "$1" =~ $re ]] || return 1
  local user=${BASH_REMATCH[1]} pass=${BASH_REMATCH[3]} host=${BASH_REMATCH[4]} port=${BASH_REMATCH[6]:-3306}
  pass=$(printf '%b' "${pass//%/\\x}")  # percent-decoding
  local client
  client=$(command -v mariadb || command -v mysql || true)
  if [ -n "$client" ]; then
    MYSQL_PWD="$pass" timeout 5 "$client" --no-defaults --protocol=TCP --connect-timeout=3 \
      -h "$host" -P "$port" -u "${user:-root}" -e 'select 1' > /dev/null 2>&1
  else # without a client: the server speaks first, with its greeting packet
    [ "$(timeout 3 bash -c 'exec 3<>/dev/tcp/$0/$1; head -c 5 <&3' "$host" "$port" 2>/dev/null | wc -c)" -ge 5 ]
  fi
}

zk_ok() { # HOSTS host:port[,host:port...][/chroot]; ready only when `srvr` answers with a Mode: line
  local hosts=${1%%/*} hp
  IFS=, read -ra hp <<< "$hosts"
  for h in "${hp[@]}"; do
    local host=${h%:*} port=2181
    [ "$host" = "$h" ] || port=${h##*:}
    timeout 3 bash -c 'exec 3<>/dev/tcp/$0/$1; printf srvr >&3; cat <&3' "$host" "$port" 2>/dev/null \
      | grep -q '^Mode:' && return 0
  done
  return 1
}

# ---------------------------------------------------------------- packages

SK_APT_UPDATED=
apt_install() { # PACKAGE...
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || die "cannot install $*: not root and no sudo")
  log "installing $* (apt-get)"
  if [ -z "$SK_APT_UPDATED" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    SK_APT_UPDATED=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > "$SK_LOGS/apt.log" 2>&1 \
    || { tail -n 20 "$SK_LOGS/apt.log" >&2; die "apt-get install $* failed (log: $SK_LOGS/apt.log)"; }
}

zk_jar=/usr/share/java/zookeeper.jar
need_binaries() { # NAME... : install the Debian packages that are missing (the private instances', chromium)
  local pkgs=() n
  for n in "$@"; do
    case $n in
      redis) command -v redis-server > /dev/null && command -v redis-cli > /dev/null || pkgs+=(redis-server) ;;
      mysql) command -v mariadbd > /dev/null && command -v mariadb-install-db > /dev/null \
               && command -v mariadb > /dev/null || pkgs+=(mariadb-server) ;;
      zookeeper) [ -f "$zk_jar" ] && command -v java > /dev/null || pkgs+=(zookeeper) ;;
      chromium) [ -x /usr/bin/chromium ] || pkgs+=(chromium) ;; # the pages' browser tests (test/pages)
    esac
  done
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
}

# ---------------------------------------------------------------- private instances

# A sale appends about 1 KB to the AOF per attempt (relay messages, nonce, counts, qualification):
# at the default 64 MB threshold Redis forked to rewrite it every few seconds of a sale, each rewrite
# a pause and a core's worth of work while the crowd waits. `appendfsync everysec`: the orders that
# live only in Redis until sk-order stores them survive a crash of Redis's process whole, and a crash
# of the machine but for the last second or so (README, "Orders and payment"). A bounded memory that
# refuses writes when full (503s) rather than evict a sale's counts or orders.
start_redis() {
  local dir="$SK_DATA/redis"
  mkdir -p "$dir"
  # The password in a file only its owner reads (a command line is visible to every local user).
  (umask 077; printf 'requirepass %s\n' "$SK_INFRA_PASSWORD" > "$dir/auth.conf")
  spawn redis "$SK_REDIS_PORT" "$SK_LOGS/redis-$SK_REDIS_PORT.log" \
    redis-server "$dir/auth.conf" --bind 127.0.0.1 --port "$SK_REDIS_PORT" --dir "$dir" --appendonly yes --appendfsync everysec --save '' \
    --maxmemory 2gb --maxmemory-policy noeviction \
    --auto-aof-rewrite-min-size 512mb --daemonize no --logfile '' --maxclients 10000
}

start_mysql() {
  local dir="$SK_DATA/mysql" logf="$SK_LOGS/mysql-install.log"
  if [ ! -d "$dir/mysql" ]; then
    log "initialising MariaDB data directory $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    mariadb-install-db --no-defaults --datadir="$dir" --user=root \
      --auth-root-authentication-method=normal --skip-test-db >> "$logf" 2>&1 \
      || { tail -n 20 "$logf" >&2; rm -rf "$dir"; die "mariadb-install-db failed (log: $logf)"; }
  fi
  spawn mysql "$SK_MYSQL_PORT" "$SK_LOGS/mysql-$SK_MYSQL_PORT.log" \
    mariadbd --no-defaults --datadir="$dir" --user=root --port="$SK_MYSQL_PORT" \
    --bind-address=127.0.0.1 --socket="$SK_DATA/mysql.sock" --pid-file="$dir/mariadbd.pid" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=128M --max-connections=1000
}

# zk_digest USER:PASSWORD on stdin -> USER:base64(SHA-1(USER:PASSWORD)), ZooKeeper's digest identity
zk_digest() {
  local credentials hex
  IFS= read -r credentials
  hex=$(printf '%s' "$credentials" | sha1sum)
  printf '%s:%s\n' "${credentials%%:*}" "$(printf '%b' "$(printf '%s' "${hex%% *}" | sed 's/../\\x&/g')" | base64)"
}

start_zookeeper() {
  local dir="$SK_DATA/zookeeper" cp="$SK_DATA/zookeeper/conf" j
  mkdir -p "$dir/conf"
  # The services' identity may do anything whatever a node's ACL says, so they can always take
  # back their root (a key ZooKeeper does not know becomes a system property: zookeeper.<key>).
  # In a file only its owner reads: a command line is visible to every local user.
  (umask 077; rm -f "$dir/conf/zoo.cfg"; cat > "$dir/conf/zoo.cfg") <<EOF
DigestAuthenticationProvider.superDigest=$(printf '%s:%s\n' "$SK_ZK_USER" "$SK_INFRA_PASSWORD" | zk_digest)
tickTime=2000
dataDir=$dir
clientPort=$SK_ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok,stat
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
EOF
  cat > "$dir/conf/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
EOF
  # Debian's zookeeper.jar names its dependencies in its manifest; add a logging binding when present
  cp="$cp:$zk_jar"
  for j in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
    [ -f "$j" ] && cp="$cp:$j"
  done
  spawn zookeeper "$SK_ZK_PORT" "$SK_LOGS/zookeeper-$SK_ZK_PORT.log" \
    java -Xms32m -Xmx256m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
    -Dzookeeper.admin.enableServer=false -cp "$cp" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/conf/zoo.cfg"
}

# private_ensure NAME PORT CHECK_FN URL : reuse or start the private instance, wait until CHECK_FN URL
SK_INFRA_STARTED=()   # pid files of the private instances started by this invocation
private_ensure() {
  local name=$1 port=$2 check=$3 url=$4 pidf="$SK_RUN/$1-$2.pid"
  if pidfile_alive "$pidf"; then
    log "$name: reusing the private instance on port $port (pid $(pidfile_pid "$pidf"))"
    check=private_ready # an instance started before it had a password gets it now
  elif "$check" "$url"; then
    log "$name: port $port already answers (not started by ./sk, so ./sk down leaves it alone); using it"
    return 0
  else
    port_open 127.0.0.1 "$port" && die "$name: port $port is taken by something that is not a $name"
    need_binaries "$name"
    log "$name: starting a private instance on 127.0.0.1:$port (data in .data/$name)"
    "start_$name"
    SK_INFRA_STARTED+=("$pidf")
    check=private_ready
  fi
  wait_until "$SK_WAIT_SECS" "$name on port $port" "$pidf" "$SK_LOGS/$name-$port.log" "$check" "$url" \
    || die "$name did not become ready on 127.0.0.1:$port"
}

# private_ready URL : the private instance at URL answers with its password, which it is given
# first when it answers without one (MariaDB's fresh data directory; an instance of an earlier ./sk)
private_ready() {
  local url=$1 open
  case $url in
    redis://*)
      open=$(printf '%s' "$url" | sed -E 's#//[^@/]*@#//#') # no credentials at all
      redis_ok "$url" && return 0
      redis_ok "$open" || return 1
      # commands on stdin: a command line is visible to every local user
      printf 'CONFIG SET requirepass %s\n' "$SK_INFRA_PASSWORD" | REDISCLI_AUTH='' redis-cli -u "$open" > /dev/null ;;
    mysql://*)
      open=$(printf '%s' "$url" | sed -E 's#//([^:@/]*):[^@]*@#//\1@#') # the user, without its password
      mysql_ok "$url" && return 0
      mysql_ok "$open" || return 1
      local client port=${url##*:}; port=${port%%/*}
      client=$(command -v mariadb || command -v mysql)
      # every root account of the fresh data directory (localhost, 127.0.0.1, ::1, the host name)
      printf "SELECT CONCAT('ALTER USER ', QUOTE(user), '@', QUOTE(host), ' IDENTIFIED BY ', QUOTE('%s'), ';') FROM mysql.user WHERE user = 'root'" \
        "$SK_INFRA_PASSWORD" | MYSQL_PWD='' "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u root -N \
        | MYSQL_PWD='' "$client" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u root ;;
    *) return 0 ;;
  esac
  log "$(printf '%s' "$url" | cut -d: -f1): the private instance now asks for its password"
  "${url%%:*}_ok" "$url"
}

# use_server VAR NAME CHECK MACHINE PRIVATE PORT : keep $VAR when it is set and CHECK answers; else
# take MACHINE (the machine's own server, tests only) when given and answering; else run a private
# instance on PORT and point $VAR at it (PRIVATE).
use_server() {
  local var=$1 name=$2 check=$3 machine=$4 private=$5 port=$6
  local current=${!var:-}
  if [ -n "$current" ] && "$check" "$current"; then
    log "$name: using $var=$(mask_url "$current")"
    return
  fi
  [ -z "$current" ] || log "$name: $var=$(mask_url "$current") is not reachable"
  if [ -n "$machine" ] && "$check" "$machine"; then
    printf -v "$var" '%s' "$machine"
    log "$name: using the machine's own at $(mask_url "$machine")"
  else
    printf -v "$var" '%s' "$private"
    private_ensure "$name" "$port" "$check" "$private"
  fi
}

# shellcheck source=scripts/redis-cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/redis-cluster.sh"

# infra_password : SK_INFRA_PASSWORD, the private instances' password (made on first use)
infra_password() {
  mkdir -p "$SK_RUN" "$SK_LOGS"
  if [ ! -s "$SK_DATA/infra-password" ]; then
    (umask 077; od -An -tx1 -N18 /dev/urandom | tr -d ' \n' > "$SK_DATA/infra-password")
  fi
  SK_INFRA_PASSWORD=$(cat "$SK_DATA/infra-password")
}

# infra_ensure [--test] : set and export REDIS_URL, MYSQL_URL, ZK_HOSTS, ZK_AUTH; with --test also
# REDIS_TEST_CLUSTER_NODES and REDIS_TEST_CLUSTER_URL, the local cluster the tests that ask for one use
infra_ensure() {
  local test_mode="" redis_db=0 mysql_db=seckill
  if [ "${1:-}" = --test ]; then test_mode=1; redis_db=1; mysql_db=seckill_test; fi
  # The private Redis and MariaDB ask for a password of their own: any local user could otherwise
  # queue a forged purchase on the relay or read the token signing key.
  infra_password

  use_server REDIS_URL redis redis_ok "${test_mode:+redis://127.0.0.1:6379/$redis_db}" \
    "redis://default:$SK_INFRA_PASSWORD@127.0.0.1:$SK_REDIS_PORT/$redis_db" "$SK_REDIS_PORT"
  use_server MYSQL_URL mysql mysql_ok "${test_mode:+mysql://root@127.0.0.1:3306/$mysql_db}" \
    "mysql://root:$SK_INFRA_PASSWORD@127.0.0.1:$SK_MYSQL_PORT/$mysql_db" "$SK_MYSQL_PORT"
  use_server ZK_HOSTS zookeeper zk_ok "" "127.0.0.1:$SK_ZK_PORT" "$SK_ZK_PORT"
  # The private ZooKeeper's root is the services' alone (any local user could otherwise register
  # an instance of their own in discovery or rewrite an activity); the tests' roots stay open.
  if [ -n "$test_mode" ]; then
    ZK_AUTH=''
  elif [ "$ZK_HOSTS" = "127.0.0.1:$SK_ZK_PORT" ]; then
    ZK_AUTH="$SK_ZK_USER:$SK_INFRA_PASSWORD"
  fi
  ZK_AUTH=${ZK_AUTH:-}

  export REDIS_URL MYSQL_URL ZK_HOSTS ZK_AUTH
  if [ -n "$test_mode" ]; then
    cluster_ensure
    REDIS_TEST_CLUSTER_NODES=$(cluster_nodes)
    REDIS_TEST_CLUSTER_URL=$(cluster_url)
    export REDIS_TEST_CLUSTER_NODES REDIS_TEST_CLUSTER_URL
  fi
}

infra_pidfiles() { local n; for n in "${SK_INFRA_NAMES[@]}"; do live_pidfiles "$n"; done; }

# ---------------------------------------------------------------- run directly

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      infra_ensure "${2:-}"
      printf 'export REDIS_URL=%q\nexport MYSQL_URL=%q\nexport ZK_HOSTS=%q\nexport ZK_AUTH=%q\n' "$REDIS_URL" "$MYSQL_URL" "$ZK_HOSTS" "$ZK_AUTH"
      [ -z "${REDIS_TEST_CLUSTER_NODES:-}" ] \
        || printf 'export REDIS_TEST_CLUSTER_NODES=%q\nexport REDIS_TEST_CLUSTER_URL=%q\n' "$REDIS_TEST_CLUSTER_NODES" "$REDIS_TEST_CLUSTER_URL"
      ;;
    cluster)
      infra_password
      cluster_ensure
      printf 'export REDIS_CLUSTER_NODES=%q\nexport REDIS_URL=%q\n' "$(cluster_nodes)" "$(cluster_url)"
      ;;
    stop)
      mapfile -t files < <(infra_pidfiles)
      [ ${#files[@]} -eq 0 ] || stop_pidfiles "${files[@]}"
      ;;
    status)
      for f in $(infra_pidfiles); do
        b=$(basename "$f" .pid); printf '%s %s %s\n' "${b%-*}" "${b##*-}" "$(pidfile_pid "$f")"
      done
      ;;
    *) echo "usage: $0 start [--test] | stop | status | cluster" >&2; exit 2 ;;
  esac
fi
