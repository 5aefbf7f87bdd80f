#!/usr/bin/env bash
# Builds satupintu, starts it in dev mode on loopback with BPJS uncached,
# and runs check.mjs (Apollo Client's @defer) against it. Needs Node 20+
# and npm; .ci/run calls it when they are installed.
set -euo pipefail
cd "$(dirname "$0")"
addr=127.0.0.1:${APOLLO_CHECK_PORT:-18480}
tmp=$(mktemp -d)
(cd ../.. && go build -o "$tmp/satupintu" ./cmd/satupintu)
npm ci --no-audit --no-fund --loglevel=error
SATUPINTU_ADDR=$addr SATUPINTU_BPJS_CACHE_TTL=0s "$tmp/satupintu" >"$tmp/satupintu.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
if ! node check.mjs "http://$addr"; then
	echo "satupintu's log:"; tail -n 50 "$tmp/satupintu.log"
	exit 1
fi
