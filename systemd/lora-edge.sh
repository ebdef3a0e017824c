#!/bin/sh
# /usr/bin/lora-edge: runs the lora-edge installed under /opt/lora-edge (scripts/install.sh puts
# this file there and fills in NODE). Every argument goes to lora-edge unchanged.
set -eu

NODE=node
app="${LORA_EDGE_HOME:-/opt/lora-edge}"
main="$app/dist/src/main.js"

if [ ! -f "$main" ]; then
  echo "lora-edge: $main is missing; reinstall with scripts/install.sh" >&2
  exit 1
fi
# The node recorded at install time, or whichever is on PATH if that one has gone.
if ! [ -x "$NODE" ] && ! NODE=$(command -v node); then
  echo "lora-edge: Node.js is not installed (need version 20 or newer)" >&2
  exit 1
fi
# The V8 flags main.js asks for on its #! line (a small heap for a 1 GB gateway).
flags=$(sed -n '1s|^#!/usr/bin/env -S node||p' "$main")

# Under systemd (Type=notify) hand node a datagram socket already connected to NOTIFY_SOCKET:
# node cannot open one itself, and perl keeps this process's PID across exec, so readiness and
# watchdog messages come from the main PID as NotifyAccess=main demands (see src/ops/sd-notify.ts).
# perl-base is Essential on Debian. If the socket cannot be opened, node starts anyway.
if [ -n "${NOTIFY_SOCKET:-}" ] && [ -z "${NOTIFY_SOCKET_FD:-}" ] && command -v perl >/dev/null 2>&1; then
  # shellcheck disable=SC2086 # $flags is a list of words
  exec perl -e '
    use strict;
    use Socket qw(AF_UNIX SOCK_DGRAM pack_sockaddr_un);
    use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
    $^F = 1023;  # descriptors up to this number survive exec
    my $path = $ENV{NOTIFY_SOCKET};
    $path =~ s/^@/\0/;  # abstract socket namespace
    my $sock;
    if (socket($sock, AF_UNIX, SOCK_DGRAM, 0) && connect($sock, pack_sockaddr_un($path))) {
      # never let a stalled systemd block the daemon: a full queue gives EAGAIN instead
      fcntl($sock, F_SETFL, fcntl($sock, F_GETFL, 0) | O_NONBLOCK);
      $ENV{NOTIFY_SOCKET_FD} = fileno($sock);
    } else {
      warn "lora-edge: cannot connect to NOTIFY_SOCKET $ENV{NOTIFY_SOCKET}: $!\n";
    }
    exec { $ARGV[0] } @ARGV or die "lora-edge: cannot start $ARGV[0]: $!\n";
  ' "$NODE" $flags "$main" "$@"
fi
# shellcheck disable=SC2086
exec "$NODE" $flags "$main" "$@"
