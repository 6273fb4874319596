#!/usr/bin/env bash
# Installs Debian's Chromium for the war room's browser tests (driven by playwright-core, which never
# downloads a browser), only when it is missing. Bounded in time by the caller: without it those tests skip.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(chromium --version 2>/dev/null | head -n1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null

echo "installed: $(chromium --version 2>/dev/null | head -n1)"
