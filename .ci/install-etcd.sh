#!/usr/bin/env bash
# Installs etcd 3.4 (server and etcdctl) from Debian's packages for the real-etcd drills, only when
# `etcd` or `etcdctl` is missing. Debian's etcd-server package enables a systemd unit; containers without
# systemd do not start it, and the drills never use it: they start their own members on free loopback ports.
set -euo pipefail

if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then
  echo "etcd already installed: $(etcd --version | head -n1), $(ETCDCTL_API=3 etcdctl version | head -n1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq etcd-server etcd-client >/dev/null

echo "installed: $(etcd --version | head -n1), $(ETCDCTL_API=3 etcdctl version | head -n1)"
