#!/bin/sh
# check-doc-links.sh [--fix] FILE.md...: every relative link of these Markdown files leads somewhere.
#   - The file or folder it names exists (relative to the Markdown file).
#   - #Lnn or #Lnn-Lmm: those lines exist in the file.
#   - #anchor in a Markdown file: one of its headings has that anchor (GitHub's rule: lower case,
#     punctuation dropped, spaces to '-').
#   - A link whose text is code, [`name`](file#Lnn), points at a line of code (not a comment) that
#     holds "name(" (name's last part after '::'): the function's definition or the call. So the
#     walkthrough cannot drift from the source.
# Links with a scheme (https:, mailto:) and links inside fenced code blocks are not checked.
# Prints each stale link as FILE:LINE: [text](target): what is wrong, and exits 1 if there is one.
# With --fix, a stale [`name`](file#Lnn) is moved to the nearest line within 60 that names it
# (check the result by reading it); the other kinds are for a person to mend.
fix=false
if [ "${1:-}" = "--fix" ]; then
    fix=true
    shift
fi
stale=0
root=$(cd "$(dirname "$0")/.." && pwd)
list=$(mktemp) || exit 1
trap 'rm -f "$list"' EXIT
tab=$(printf '\t')

# links FILE: "LINE<TAB>TARGET<TAB>TEXT" for every link outside fenced code blocks (TEXT is empty
# when the link's text starts on an earlier line).
links() {
    awk '
        /^[ \t]*(```|~~~)/ { fenced = !fenced; next }
        fenced { next }
        {
            s = $0
            while ((i = index(s, "](")) > 0) {
                rest = substr(s, i + 2)
                j = index(rest, ")")
                if (j == 0) break
                target = substr(rest, 1, j - 1)
                sub(/[ \t].*/, "", target)          # a title after the target
                pre = substr(s, 1, i - 1)
                text = ""
                for (k = length(pre); k > 0; k--) if (substr(pre, k, 1) == "[") break
                if (k > 0) text = substr(pre, k + 1)
                gsub(/\t/, " ", text)
                print NR "\t" target "\t" text
                s = substr(rest, j + 1)
            }
        }' "$1"
}

# anchors FILE.md: the anchor of every heading, one a line, as GitHub makes them.
anchors() {
    awk '
        /^[ \t]*(```|~~~)/ { fenced = !fenced; next }
        fenced || !/^#+[ \t]/ { next }
        {
            h = tolower($0)
            sub(/^#+[ \t]+/, "", h)
            sub(/[ \t]+#*[ \t]*$/, "", h)
            gsub(/[!-,.\/:-@[-^`{-~]/, "", h)   # ASCII punctuation but - and _
            gsub(/ /, "-", h)
            n = seen[h]++
            print (n ? h "-" n : h)
        }' "$1"
}

# is_code_naming NAME: stdin (one line) holds "NAME(" and is not a comment line.
is_code_naming() {
    awk -v n="$1(" 'index($0, n) && $0 !~ /^[ \t]*\/\// { found = 1 } END { exit !found }'
}

# report DOC LINE TEXT TARGET WHY
report() {
    stale=1
    echo "$1:$2: [$3]($4): $5"
}

# fix_link DOC TEXT TARGET NAME FILE LINE: moves [TEXT](FILE#LLINE) to the nearest line naming NAME.
fix_link() {
    near=$(awk -v n="$4(" 'index($0, n) && $0 !~ /^[ \t]*\/\// { print NR }' "$5" |
           awk -v at="$6" '{ d = $1 - at; if (d < 0) d = -d; if (d <= 60 && (best == "" || d < bd)) { best = $1; bd = d } } END { print best }')
    [ -n "$near" ] || return 0
    old="[$2]($3)"
    new="[$2]($(printf '%s' "$3" | sed -E "s/#L[0-9]+$/#L$near/"))"
    old_re=$(printf '%s' "$old" | sed 's/[][\.*^$/]/\\&/g')
    sed -i "s/$old_re/$(printf '%s' "$new" | sed 's/[&/\]/\\&/g')/" "$1"
    echo "  moved to line $near"
}

for doc in "$@"; do
    dir=$(dirname "$doc")
    links "$doc" >"$list" || exit 1
    while IFS="$tab" read -r at target text; do
        case $target in
            '' | [a-zA-Z]*:*) continue ;;   # a scheme: not ours to check
        esac
        path=${target%%#*}
        fragment=
        case $target in *'#'*) fragment=${target#*#} ;; esac
        case $path in
            '') file=$doc path=$(basename "$doc") ;;
            /*) file=$root$path ;;       # GitHub reads /x as the repository's x
            *) file=$dir/$path ;;
        esac
        if [ ! -e "$file" ]; then
            report "$doc" "$at" "$text" "$target" "$path does not exist"
            continue
        fi
        [ -n "$fragment" ] || continue
        case $fragment in
            L[0-9]*)
                first=$(printf '%s' "$fragment" | sed -E 's/^L([0-9]+).*/\1/')
                last=$(printf '%s' "$fragment" | sed -nE 's/^L[0-9]+-L([0-9]+)$/\1/p')
                lines=$(wc -l <"$file")
                if [ "${last:-$first}" -gt "$lines" ] || [ "$first" -lt 1 ]; then
                    report "$doc" "$at" "$text" "$target" "$path has only $lines lines"
                    continue
                fi
                case $text in
                    \`*\`) ;;
                    *) continue ;;
                esac
                name=$(printf '%s' "$text" | sed -E 's/^`(.*)`$/\1/; s/.*:://')
                sed -n "${first}p" "$file" | is_code_naming "$name" && continue
                report "$doc" "$at" "$text" "$target" "line $first of $path does not hold $name( in code"
                $fix && fix_link "$doc" "$text" "$target" "$name" "$file" "$first" ;;
            *)
                case $file in
                    *.md) anchors "$file" | grep -qxF -- "$fragment" ||
                        report "$doc" "$at" "$text" "$target" "$path has no heading with the anchor #$fragment" ;;
                esac ;;
        esac
    done <"$list"
done
exit $stale
