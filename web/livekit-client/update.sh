#!/usr/bin/env bash
# Refreshes the livekit-client build the join page embeds, from the npm
# registry, at the version package.json pins (exactly). Run it after
# changing that version; commit package.json, package-lock.json, the file
# and its checksum. The binary needs nothing of this at build or run time.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund 2>/dev/null || npm install --ignore-scripts --no-audit --no-fund
version=$(node -p 'require("./node_modules/livekit-client/package.json").version')
out=../static/livekit-client.umd.js
{
  printf '/*! livekit-client %s (npm), Apache-2.0: see web/livekit-client/LICENSE. Embedded by samvad unchanged but for this line and the source map reference. */\n' "$version"
  grep -v '^//# sourceMappingURL=' node_modules/livekit-client/dist/livekit-client.umd.js
} > "$out"
cp node_modules/livekit-client/LICENSE LICENSE
sha256sum "$out" | sed 's#\.\./static/##' > livekit-client.umd.js.sha256
echo "livekit-client $version -> $out"
