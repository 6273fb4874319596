#!/usr/bin/env bash
# Start a private Docker engine for the container tests, and print the DOCKER_HOST to use.
#
#   eval "$(bash .ci/start-docker.sh)"    # sets DOCKER_HOST for this shell
#
# Idempotent: when the engine on our socket already answers, it only prints. Bounded in time: the install
# and the start each give up after a fixed time and the script exits non-zero with what went wrong (on
# stderr), so CI can carry on and let the container tests skip themselves.
# No network other than Debian's package mirror is used; no image is pulled.
set -u

DIR="${GAMEDAY_DOCKER_DIR:-/tmp/gameday-docker}"
SOCK="$DIR/docker.sock"
HOST="unix://$SOCK"
INSTALL_TIMEOUT="${GAMEDAY_DOCKER_INSTALL_TIMEOUT:-300}"
START_TIMEOUT="${GAMEDAY_DOCKER_START_TIMEOUT:-60}"

say() { echo "start-docker: $*" >&2; }

engine_answers() {
  DOCKER_HOST="$HOST" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if command -v docker >/dev/null 2>&1 && [ -S "$SOCK" ] && engine_answers; then
  echo "export DOCKER_HOST=$HOST"
  exit 0
fi

# What the container tests need besides the engine: busybox-static for the stand-in node image.
missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
[ -x /bin/busybox ] || missing="$missing busybox-static"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing:$missing; installing needs root (apt-get install$missing)"
    command -v dockerd >/dev/null 2>&1 || exit 1
  else
    say "installing$missing (at most ${INSTALL_TIMEOUT}s)"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout "$INSTALL_TIMEOUT" bash -c "apt-get update -qq && apt-get install -y -qq$missing" >"$DIR.install.log" 2>&1; then
      say "could not install$missing; see $DIR.install.log"
      command -v dockerd >/dev/null 2>&1 || exit 1
    fi
  fi
fi

mkdir -p "$DIR"
if [ -f "$DIR/docker.pid" ] && kill -0 "$(cat "$DIR/docker.pid")" 2>/dev/null; then
  say "dockerd (pid $(cat "$DIR/docker.pid")) is running but not answering yet; waiting"
else
  rm -f "$SOCK" "$DIR/docker.pid"
  # Our own containerd state and exec root keep this engine apart from any other on the machine.
  start() {
    nohup dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" -H "$HOST" --pidfile "$DIR/docker.pid" \
      --containerd-namespace gameday --containerd-plugins-namespace gameday-plugins "$@" \
      >"$DIR/dockerd.log" 2>&1 &
  }
  start
  # Sandboxes without iptables make dockerd exit at once; bridge networks still work without it.
  sleep 2
  if ! { [ -f "$DIR/docker.pid" ] && kill -0 "$(cat "$DIR/docker.pid")" 2>/dev/null; } && grep -qi iptables "$DIR/dockerd.log"; then
    say "dockerd failed on iptables; retrying with --iptables=false"
    rm -f "$SOCK" "$DIR/docker.pid"
    start --iptables=false --ip-masq=false
  fi
fi

deadline=$((SECONDS + START_TIMEOUT))
until engine_answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "dockerd did not answer on $SOCK within ${START_TIMEOUT}s; last log lines:"
    tail -n 20 "$DIR/dockerd.log" >&2
    exit 1
  fi
  sleep 1
done
say "dockerd $(DOCKER_HOST="$HOST" docker version --format '{{.Server.Version}}') answers on $SOCK (pid $(cat "$DIR/docker.pid"); stop it with: kill \$(cat $DIR/docker.pid))"
echo "export DOCKER_HOST=$HOST"
