#!/bin/sh
# update-if-changed.sh FILE TEXT: writes TEXT (a compile or link command) to FILE unless FILE
# already holds exactly it. FILE's time thus changes only when TEXT does, and make rebuilds what
# depends on FILE then, and only then.
set -u
mkdir -p "$(dirname "$1")" || exit 1
printf '%s\n' "$2" >"$1.new" || exit 1
if cmp -s "$1.new" "$1"; then
    rm -f "$1.new"
else
    mv -f "$1.new" "$1"
fi
