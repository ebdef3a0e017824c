#!/usr/bin/env bash
# Installs, upgrades or removes lora-edge on a Debian / Raspberry Pi OS gateway (arm64, armhf,
# x86-64), from the checkout this script lives in. See docs/installing.md.
set -euo pipefail
umask 022 # the app must stay readable by the lora-edge user whatever the caller's umask

usage() {
  cat <<'EOF'
Usage: sudo scripts/install.sh [--root DIR] [--skip-npm]
       sudo scripts/install.sh --uninstall [--root DIR]

Installs lora-edge from this checkout, or upgrades an earlier installation in place:
  /opt/lora-edge                    the application (dist/, production node_modules, device profiles)
  /usr/bin/lora-edge                the command (runs /opt/lora-edge with the right Node.js flags)
  /etc/systemd/system/lora-edge.service
                                    the hardened service, enabled at boot
  /etc/lora-edge/config.yaml        written from the template only when absent
  /var/lib/lora-edge                the outbox (state directory)
  user lora-edge                    system user without login, member of dialout (serial ports)

Options
  --uninstall     remove the application, the command and the service; keep /etc/lora-edge,
                  /var/lib/lora-edge and the user
  --root DIR      install into DIR instead of / (for building an image): every path gets the DIR
                  prefix, and nothing is done to the running system (no user created, no systemctl);
                  the user and file ownership come from sysusers.d and tmpfiles.d on first boot,
                  and each skipped step is printed as "would ..."
  --skip-npm      do not run npm: reuse this checkout's node_modules, copying only production
                  packages (those not marked dev in package-lock.json); for offline and test installs
  -h, --help      this help
EOF
}

say() { printf 'lora-edge install: %s\n' "$*"; }
warn() { printf 'lora-edge install: warning: %s\n' "$*" >&2; }
die() {
  printf 'lora-edge install: error: %s\n' "$*" >&2
  exit 1
}

ARGS="$*"
ROOT=""
MODE=install
SKIP_NPM=0
while (($#)); do
  case "$1" in
    --root)
      (($# >= 2)) || die "--root needs a directory"
      ROOT="$2"
      shift 2
      ;;
    --root=*)
      ROOT="${1#--root=}"
      shift
      ;;
    --uninstall) MODE=uninstall; shift ;;
    --skip-npm) SKIP_NPM=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
      usage >&2
      die "unknown option: $1"
      ;;
  esac
done

if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT" || die "cannot create the staging root $ROOT"
  ROOT="$(cd "$ROOT" && pwd -P)"
  [ "$ROOT" = / ] && ROOT=""
fi
STAGING=0
[ -n "$ROOT" ] && STAGING=1
if ((!STAGING)) && [ "$(id -u)" != 0 ]; then
  die "installing into the system needs root: sudo $0 $ARGS (or --root DIR to stage into a directory)"
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
APP_DIR=/opt/lora-edge
BIN=/usr/bin/lora-edge
UNIT=/etc/systemd/system/lora-edge.service
WANTS_LINK=/etc/systemd/system/multi-user.target.wants/lora-edge.service
ETC_DIR=/etc/lora-edge
CONFIG="$ETC_DIR/config.yaml"
STATE_DIR=/var/lib/lora-edge
SYSUSERS=/usr/lib/sysusers.d/lora-edge.conf
TMPFILES=/usr/lib/tmpfiles.d/lora-edge.conf
SERVICE_USER=lora-edge

# A system path under the install root.
r() { printf '%s%s' "$ROOT" "$1"; }
# A step left undone in staging mode: said, not done.
would() { say "would $*"; }
systemd_running() { ((!STAGING)) && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

NODE_HOWTO='Install Node.js 20 (or newer) system-wide, for example from NodeSource:
    curl -fsSL https://deb.nodesource.com/setup_20.x | sudo bash -
    sudo apt-get install -y nodejs
  (Debian 13 "trixie" and later: sudo apt-get install -y nodejs npm). Then run this script again.'

check_node() {
  NODE_BIN="$(command -v node || true)"
  [ -n "$NODE_BIN" ] || die "Node.js is not installed (node is not on PATH).
  $NODE_HOWTO"
  local version major
  version="$("$NODE_BIN" -p 'process.versions.node' 2>/dev/null || true)"
  major="${version%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot run $NODE_BIN to read its version.
  $NODE_HOWTO"
  ((major >= 20)) || die "Node.js $version at $NODE_BIN is too old; lora-edge needs 20 or newer.
  $NODE_HOWTO"
  local real
  real="$(readlink -f "$NODE_BIN")"
  case "$real" in
    /home/* | /root/* | /run/user/*)
      # ProtectHome=yes in the unit hides home directories from the service.
      local msg="$NODE_BIN is $real, inside a home directory (nvm?), which the service cannot see."
      if ((STAGING)); then warn "$msg"; else die "$msg
  $NODE_HOWTO"; fi
      ;;
  esac
  say "using Node.js $version ($NODE_BIN)"
  if ((!SKIP_NPM)); then
    command -v npm >/dev/null 2>&1 || die "npm is not installed (it comes with NodeSource's nodejs; on Debian: apt-get install npm), or use --skip-npm"
  fi
}

check_checkout() {
  [ -f "$SRC/package.json" ] && grep -q '"name": "lora-edge"' "$SRC/package.json" ||
    die "$SRC is not a lora-edge checkout (no package.json named lora-edge)"
  [ -f "$SRC/package-lock.json" ] || die "$SRC/package-lock.json is missing"
  [ -f "$SRC/systemd/lora-edge.service" ] && [ -f "$SRC/systemd/lora-edge.sh" ] || die "$SRC/systemd/ is incomplete"
}

# dist/ is what gets installed: build it when it is missing or older than the sources.
build_if_needed() {
  local main="$SRC/dist/src/main.js" reason=""
  if [ ! -f "$main" ]; then
    reason="dist/ is missing"
  elif [ -d "$SRC/src" ] && [ -n "$(find "$SRC/src" -name '*.ts' -newer "$main" -print -quit)" ]; then
    reason="dist/ is older than src/"
  fi
  [ -n "$reason" ] || return 0
  if ((SKIP_NPM)); then
    [ -d "$SRC/node_modules" ] || die "$reason and there is no node_modules to build with (run npm ci in $SRC, or drop --skip-npm)"
    say "building ($reason): npm run build in $SRC"
    (cd "$SRC" && npm run build) || die "the build failed (see above); fix it and run this script again"
  else
    say "building ($reason): npm ci && npm run build in $SRC"
    (cd "$SRC" && npm ci --no-audit --no-fund && npm run build) || die "the build failed (see above); fix it and run this script again"
  fi
  [ -f "$main" ] || die "the build did not produce $main"
}

# Production packages only: every node_modules entry of package-lock.json not marked dev, copied
# from the checkout (what `npm ci --omit=dev` would install, without the network).
copy_production_modules() {
  local dest="$1"
  [ -d "$SRC/node_modules" ] || die "--skip-npm: $SRC/node_modules is missing (run npm ci there first)"
  "$NODE_BIN" -e '
    const fs = require("node:fs");
    const path = require("node:path");
    const [src, dest] = process.argv.slice(1);
    const lock = JSON.parse(fs.readFileSync(path.join(src, "package-lock.json"), "utf8"));
    let copied = 0;
    for (const [key, meta] of Object.entries(lock.packages ?? {})) {
      // Nested packages travel with the top-level package that holds them.
      if (!key.startsWith("node_modules/") || key.indexOf("/node_modules/") !== -1 || meta.dev) continue;
      const from = path.join(src, key);
      if (!fs.existsSync(from)) {
        if (meta.optional || meta.devOptional) continue; // an optional package for another platform
        console.error(`lora-edge install: error: ${from} is missing; run npm ci in ${src}`);
        process.exit(1);
      }
      fs.cpSync(from, path.join(dest, key), { recursive: true, verbatimSymlinks: true });
      copied++;
    }
    console.log(`lora-edge install: copied ${copied} production packages from ${src}/node_modules`);
  ' "$SRC" "$dest" || die "copying node_modules failed"
}

# Builds the new application next to the old one and swaps them only once it runs, so a failed
# upgrade leaves the previous version in place.
install_app() {
  local app new
  app="$(r "$APP_DIR")"
  new="$app.new"
  rm -rf "$new" "$app.old"
  mkdir -p "$new/dist"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$new/"
  cp -RH "$SRC/dist/src" "$new/dist/src"
  [ -d "$SRC/docs" ] && cp -RH "$SRC/docs" "$new/"
  [ -f "$SRC/README.md" ] && cp "$SRC/README.md" "$new/"
  if ((SKIP_NPM)); then
    copy_production_modules "$new"
  else
    say "installing production packages: npm ci --omit=dev in $APP_DIR"
    (cd "$new" && npm ci --omit=dev --no-audit --no-fund) ||
      die "npm ci --omit=dev failed (is the npm registry reachable?); the previous installation is unchanged"
  fi
  ((STAGING)) || chown -R root:root "$new"
  TEMPLATE="$("$NODE_BIN" "$new/dist/src/main.js" print-config)" ||
    die "the new installation does not run (lora-edge print-config failed); the previous installation is unchanged"
  if [ -d "$app" ]; then
    mv "$app" "$app.old"
    mv "$new" "$app"
    rm -rf "$app.old"
    say "upgraded $APP_DIR"
  else
    mv "$new" "$app"
    say "installed $APP_DIR"
  fi
}

install_command() {
  local dest tmp
  dest="$(r "$BIN")"
  mkdir -p "$(dirname "$dest")"
  tmp="$dest.tmp.$$"
  sed "s|^NODE=node\$|NODE=$NODE_BIN|" "$SRC/systemd/lora-edge.sh" >"$tmp"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$dest" # replaces an older symlink or file in one step
  say "installed $BIN"
}

ensure_user() {
  install -D -m 0644 "$SRC/systemd/lora-edge.sysusers" "$(r "$SYSUSERS")"
  install -D -m 0644 "$SRC/systemd/lora-edge.tmpfiles" "$(r "$TMPFILES")"
  if ((STAGING)); then
    would "create system user $SERVICE_USER in group dialout (left to systemd-sysusers on first boot: $SYSUSERS)"
    return
  fi
  getent group dialout >/dev/null || groupadd --system dialout
  if id "$SERVICE_USER" >/dev/null 2>&1; then
    if id -nG "$SERVICE_USER" | tr ' ' '\n' | grep -qx dialout; then
      say "user $SERVICE_USER exists"
    else
      usermod -a -G dialout "$SERVICE_USER"
      say "added user $SERVICE_USER to group dialout"
    fi
  else
    local group_opt=(--user-group)
    getent group "$SERVICE_USER" >/dev/null && group_opt=(--gid "$SERVICE_USER")
    useradd --system "${group_opt[@]}" --groups dialout --no-create-home --home-dir "$STATE_DIR" \
      --shell /usr/sbin/nologin --comment "lora-edge gateway daemon" "$SERVICE_USER"
    say "created system user $SERVICE_USER (no login) in group dialout"
  fi
}

# Set when config.yaml is still the untouched template (its gateway id is only an example).
CONFIG_IS_TEMPLATE=0
install_config() {
  local etc config
  etc="$(r "$ETC_DIR")"
  config="$(r "$CONFIG")"
  mkdir -p "$etc"
  if [ -e "$config" ]; then
    say "kept your $CONFIG (never overwritten; the current template: lora-edge print-config)"
    if [ "$(cat "$config")" = "$TEMPLATE" ]; then CONFIG_IS_TEMPLATE=1; fi
  else
    printf '%s\n' "$TEMPLATE" >"$config.tmp.$$"
    chmod 0640 "$config.tmp.$$"
    mv "$config.tmp.$$" "$config"
    CONFIG_IS_TEMPLATE=1
    say "wrote $CONFIG from the template: set gateway.id and mqtt.url for this gateway"
  fi
  install -m 0644 "$SRC/systemd/lora-edge.env.example" "$etc/lora-edge.env.example"
  mkdir -p "$(r "$STATE_DIR")"
  if ((STAGING)); then
    would "chown root:$SERVICE_USER $ETC_DIR (0750) and its files (0640), $SERVICE_USER:$SERVICE_USER $STATE_DIR (0750) (left to systemd-tmpfiles on boot: $TMPFILES)"
    return
  fi
  chown root:"$SERVICE_USER" "$etc"
  chmod 0750 "$etc"
  local f
  for f in "$config" "$etc/lora-edge.env"; do
    [ -f "$f" ] && chown root:"$SERVICE_USER" "$f" && chmod 0640 "$f"
  done
  chown "$SERVICE_USER:$SERVICE_USER" "$(r "$STATE_DIR")"
  chmod 0750 "$(r "$STATE_DIR")"
}

install_unit() {
  install -D -m 0644 "$SRC/systemd/lora-edge.service" "$(r "$UNIT")"
  say "installed $UNIT"
  if ((STAGING)); then
    # What `systemctl enable` does for WantedBy=multi-user.target.
    mkdir -p "$(dirname "$(r "$WANTS_LINK")")"
    ln -sfn "$UNIT" "$(r "$WANTS_LINK")"
    say "enabled lora-edge.service in $ROOT (starts on boot)"
    would "run systemctl daemon-reload && systemctl enable --now lora-edge (left to the first boot)"
    return
  fi
  if ! systemd_running; then
    if command -v systemctl >/dev/null 2>&1; then systemctl enable lora-edge.service >/dev/null 2>&1 || true; fi
    say "systemd is not running here; where it runs: systemctl daemon-reload && systemctl enable --now lora-edge"
    return
  fi
  systemctl daemon-reload
  systemctl enable lora-edge.service
  if ((CONFIG_IS_TEMPLATE)); then
    say "not started yet: $CONFIG is still the template; edit it, check it with: lora-edge check-config"
    say "then start it with: systemctl start lora-edge"
  elif ! "$(r "$BIN")" check-config --config "$CONFIG"; then
    say "not (re)started: fix the problems above in $CONFIG, then: systemctl restart lora-edge"
  elif systemctl is-active --quiet lora-edge.service; then
    systemctl restart lora-edge.service
    say "restarted lora-edge on the new version"
  else
    systemctl enable --now lora-edge.service
    say "started lora-edge (logs: journalctl -u lora-edge -f)"
  fi
}

uninstall() {
  if systemd_running && [ -f "$UNIT" ]; then
    systemctl disable --now lora-edge.service || warn "systemctl disable --now lora-edge failed"
  elif ((STAGING)); then
    would "run systemctl disable --now lora-edge (not touching the running system)"
  fi
  local p
  for p in "$WANTS_LINK" "$UNIT" "$BIN" "$SYSUSERS" "$TMPFILES"; do
    if [ -e "$(r "$p")" ] || [ -L "$(r "$p")" ]; then
      rm -f "$(r "$p")"
      say "removed $p"
    fi
  done
  if [ -d "$(r "$APP_DIR")" ]; then
    rm -rf "$(r "$APP_DIR")" "$(r "$APP_DIR").new" "$(r "$APP_DIR").old"
    say "removed $APP_DIR"
  fi
  if systemd_running; then systemctl daemon-reload; fi
  say "kept $ETC_DIR (configuration), $STATE_DIR (outbox, with any records not yet sent) and user $SERVICE_USER"
  say "to remove those too: rm -rf $ETC_DIR $STATE_DIR && userdel $SERVICE_USER"
}

if [ "$MODE" = uninstall ]; then
  uninstall
  exit 0
fi

((STAGING)) && say "staging into $ROOT (the running system is not touched)"
check_checkout
check_node
build_if_needed
install_app
install_command
ensure_user
install_config
install_unit
say "done"
