#!/bin/sh
# check-doc-links.sh [--fix] FILE...: every link [`name`](../file#Lnn) in the docs must point at
# a line of code (not a comment) of that file that holds "name(", the last part of name after
# '::': the function's definition or the call. So the walkthrough cannot drift from the source. Prints each stale link and exits 1 if there is one. With --fix, a stale
# link is moved to the nearest line within 60 that names it (check the result by reading it).
fix=false
if [ "${1:-}" = "--fix" ]; then
    fix=true
    shift
fi
stale=0
# is_code_naming NAME: stdin (one line) holds "NAME(" and is not a comment line.
is_code_naming() {
    awk -v n="$1(" 'index($0, n) && $0 !~ /^[ \t]*\/\// { found = 1 } END { exit !found }'
}
for doc in "$@"; do
    dir=$(dirname "$doc")
    links=$(grep -o '\[`[^`]*`\]([^)#]*#L[0-9]*)' "$doc")
    [ -n "$links" ] || continue
    while IFS= read -r link; do
        name=$(printf '%s' "$link" | sed -E 's/^\[`([^`]*)`\].*/\1/; s/.*:://')
        file=$(printf '%s' "$link" | sed -E 's/.*\(([^#]*)#L.*/\1/')
        line=$(printf '%s' "$link" | sed -E 's/.*#L([0-9]+)\)$/\1/')
        sed -n "${line}p" "$dir/$file" | is_code_naming "$name" && continue
        stale=1
        echo "$doc: $link: line $line of $file does not hold $name( in code"
        $fix || continue
        near=$(awk -v n="$name(" 'index($0, n) && $0 !~ /^[ \t]*\/\// { print NR }' "$dir/$file" |
               awk -v at="$line" '{ d = $1 - at; if (d < 0) d = -d; if (d <= 60 && (best == "" || d < bd)) { best = $1; bd = d } } END { print best }')
        if [ -n "$near" ]; then
            new=$(printf '%s' "$link" | sed -E "s/#L[0-9]+\)$/#L$near)/")
            old_re=$(printf '%s' "$link" | sed 's/[][\.*^$/]/\\&/g')
            sed -i "s/$old_re/$(printf '%s' "$new" | sed 's/[&/\]/\\&/g')/" "$doc"
            echo "  moved to line $near"
        fi
    done <<LINKS
$links
LINKS
done
exit $stale
