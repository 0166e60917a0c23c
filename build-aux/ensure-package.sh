#!/bin/sh
# ensure-package.sh PACKAGE COMMAND...: runs COMMAND (a check that something we need works);
# if it fails, installs the Debian package PACKAGE when we may (root, or sudo without a password)
# and checks again. Used by 'make test', 'make fuzz' and the tests/check-*.sh scripts. When it
# cannot install, it says what to install and exits 1.
set -u
package=$1
shift
works() { "$@" >/dev/null 2>&1; }
works "$@" && exit 0

if [ "$(id -u)" = 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    as_root=none
fi
if command -v apt-get >/dev/null 2>&1 && [ "$as_root" != none ]; then
    # Test stages run in parallel and apt allows one installer at a time: take turns (flock,
    # from util-linux, where there is one), and look again once it is our turn.
    lock=${TMPDIR:-/tmp}/primeproc-ensure-package.lock
    if [ -z "${ENSURE_PACKAGE_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
        ENSURE_PACKAGE_LOCKED=1 exec flock "$lock" "$0" "$package" "$@"
    fi
    works "$@" && exit 0
    echo "$package is missing; installing Debian's package '$package'..."
    apt_install() {
        # shellcheck disable=SC2086   # as_root is empty or "sudo -n": split it on purpose
        $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1
    }
    # The package lists are fetched only when the first try fails (a fresh system has none).
    # shellcheck disable=SC2086
    apt_install || { $as_root apt-get update -qq >/dev/null 2>&1 && apt_install; }
    works "$@" && exit 0
fi
echo "$package is not installed and could not be installed here." >&2
echo "Install it, then run make again:  sudo apt-get install $package   (Debian, Ubuntu)" >&2
exit 1
