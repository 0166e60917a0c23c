#!/bin/sh
# check-svg.sh FILE.svg...: each picture is well-formed XML (xmllint) and renders (rsvg-convert)
# to a PNG that is not blank. Installs libxml2-utils and librsvg2-bin when missing
# (installed by make deps). Silent with exit 0 on success; says what is wrong and exits 1.
set -u
if [ $# -eq 0 ]; then
    echo "usage: $0 FILE.svg..." >&2
    exit 1
fi
command -v xmllint >/dev/null || { echo "xmllint is missing (Debian: libxml2-utils): make deps installs it"; exit 1; }
command -v rsvg-convert >/dev/null || { echo "rsvg-convert is missing (Debian: librsvg2-bin): make deps installs it"; exit 1; }

dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
size() { wc -c <"$1" | tr -d ' '; }

status=0
for svg in "$@"; do
    if ! xmllint --noout "$svg" 2>"$dir/xmllint.txt"; then
        echo "check-svg: $svg is not well-formed XML:" >&2
        cat "$dir/xmllint.txt" >&2
        status=1
        continue
    fi
    if ! rsvg-convert -o "$dir/picture.png" "$svg" 2>"$dir/rsvg.txt"; then
        echo "check-svg: rsvg-convert could not render $svg:" >&2
        cat "$dir/rsvg.txt" >&2
        status=1
        continue
    fi
    # Not blank: a PNG compresses an empty canvas to almost nothing. Render an empty picture of
    # the same size with a white background and ask for a PNG many times larger than it.
    # The PNG header holds the width and height as 4-byte big-endian numbers at offsets 16, 20.
    png_number() { od -An -tu1 -j"$1" -N4 "$dir/picture.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}'; }
    width=$(png_number 16)
    height=$(png_number 20)
    printf '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s"><rect width="100%%" height="100%%" fill="#fff"/></svg>\n' \
        "$width" "$height" >"$dir/blank.svg"
    rsvg-convert -o "$dir/blank.png" "$dir/blank.svg" || { status=1; continue; }
    drawn=$(size "$dir/picture.png")
    blank=$(size "$dir/blank.png")
    if [ "$width" -eq 0 ] || [ "$height" -eq 0 ] || [ "$drawn" -le $((blank * 4)) ]; then
        echo "check-svg: $svg renders blank or empty (${width}x${height}, $drawn bytes of PNG; an empty picture of that size is $blank)" >&2
        status=1
    fi
done
exit $status
