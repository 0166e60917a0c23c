#!/bin/sh
# ensure-package.sh PACKAGE COMMAND...: runs COMMAND (a check that something we need works);
# if it fails, installs the Debian package PACKAGE when we may (root, or sudo without a password)
# and checks again. Used by 'make test' and 'make fuzz'. When it cannot install, it says what to
# install and exits 1.
set -u
package=$1
shift
works() { "$@" >/dev/null 2>&1; }
works "$@" && exit 0
echo "$package is missing; installing Debian's package '$package'..."
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    fi
fi
works "$@" && exit 0
echo "$package is not installed and could not be installed here." >&2
echo "Install it, then run make again:  sudo apt-get install $package   (Debian, Ubuntu)" >&2
exit 1
