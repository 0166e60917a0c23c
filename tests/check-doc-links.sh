#!/bin/sh
# check-doc-links.sh FILE...: every link [`name`](../file#Lnn) in the docs must point at a line
# of that file that contains name (its last part after '::'), so the walkthrough cannot drift.
# Prints each stale link; exit status 1 if there is one.
status=0
for doc in "$@"; do
    dir=$(dirname "$doc")
    grep -o '\[`[^`]*`\]([^)#]*#L[0-9]*)' "$doc" | while IFS= read -r link; do
        name=$(printf '%s' "$link" | sed -E 's/^\[`([^`]*)`\].*/\1/; s/.*:://')
        file=$(printf '%s' "$link" | sed -E 's/.*\(([^#]*)#L.*/\1/')
        line=$(printf '%s' "$link" | sed -E 's/.*#L([0-9]+)\)$/\1/')
        if ! sed -n "${line}p" "$dir/$file" | grep -qF -- "$name"; then
            echo "$doc: $link: line $line of $file does not mention $name"
        fi
    done
done | grep . && status=1
exit $status
