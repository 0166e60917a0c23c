#!/usr/bin/env bash
# check-exercises.sh - the course material, run as a student runs it, against what the docs claim.
#
# Usage: tests/check-exercises.sh CHECK...       run these checks ("exercise 7", "lab C", ...)
#        tests/check-exercises.sh --list [fast|slow|all]   the checks' names, one a line
#        tests/check-exercises.sh --items FILE.md  what the checks read from FILE.md (to debug)
#        tests/check-exercises.sh --refresh-labs   rewrite docs/labs/*.patch for the current source
# Prints nothing and exits 0 when every claim holds; otherwise says which and exits 1.
# 'make test' (the docs stage) runs the fast checks, 'make check-all' the slow ones too.
# Environment: PRIMEPROC, PRIMEPROC_DEBUG: the builds to run (default ./primeproc, ./primeproc-debug);
# LAB_OUT: the folder with the program's objects, copied into each lab (default build).
#
# How the docs are read, so that a doc and its check cannot drift apart:
#   - What a student types is in fenced ```console blocks: "$ " starts a shell command, "(gdb) " a
#     gdb command; the lines after one are what it shows (solutions.md, the walkthrough), or, in
#     exercises.md, "> " lines are what to type at primeproc's prompt (">" alone: Enter).
#     A ```c (```cpp, ```python) block is a file to save. Commands are never written again here: a check asks for
#     "command 2 of exercises.md, section 7" and runs what the doc says.
#   - A section is a heading; its key is the heading up to its first ". " ("7", "Lab C",
#     "Exercise A"), or all of it.
#   - Every section with a command belongs to a check (the table below; "coverage" fails on one
#     that does not), and a check fails if it leaves a command of its sections unrun. A section
#     whose text holds "<!-- checked by tests/SCRIPT -->" is another script's to run.
#   - A number or state that the prose claims is quoted with `claim`: the check fails when the doc
#     no longer says it, and then tests it. So changing either side fails the check.
#   - Each lab's change is docs/labs/lab-X.patch, applied to a copy of the program, which is then
#     built and run; "coverage" also checks that every patch still applies to the current source.
#   - Interactive exercises run in a real terminal: script(1) runs an interactive bash on a
#     pseudo-terminal, the check types into it and reads the screen; "the other terminal" is this
#     script itself. Other people's primeproc processes may run on the same machine: a check looks
#     only at the processes it started.
# Linux only (ps, /proc, script from util-linux); needs bash, strace, gdb, patch, python3 for the
# walkthrough's Python section.
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
PRIMEPROC=${PRIMEPROC:-$root/primeproc}
PRIMEPROC_DEBUG=${PRIMEPROC_DEBUG:-$root/primeproc-debug}
LAB_OUT=${LAB_OUT:-build}
DOCS="docs/exercises.md docs/solutions.md docs/walkthrough.md docs/course.md README.md"

# The checks: name | fast or slow | function | the sections it runs (FILE#KEY, blank-separated).
# fast ones run in 'make test' (together well under 15 s on an idle 2-core machine), slow ones
# in 'make check-all'.
CHECKS=(
    "coverage|fast|check_coverage|"
    "exercise 1|fast|exercise_1|docs/exercises.md#1 docs/solutions.md#1"
    "exercise 2|fast|exercise_2|docs/exercises.md#2 docs/solutions.md#2"
    "exercise 3|fast|exercise_3|docs/exercises.md#3 docs/solutions.md#3"
    "exercise 4|slow|exercise_4|docs/exercises.md#4 docs/solutions.md#4"
    "exercise 5|fast|exercise_5|docs/exercises.md#5 docs/solutions.md#5"
    "exercise 6|fast|exercise_6|docs/exercises.md#6 docs/solutions.md#6"
    "exercise 7|fast|exercise_7|docs/exercises.md#7 docs/solutions.md#7"
    "exercise 8|slow|exercise_8|docs/exercises.md#8 docs/solutions.md#8"
    "exercise 9|fast|exercise_9|docs/exercises.md#9 docs/solutions.md#9"
    "exercise 10|slow|exercise_10|docs/exercises.md#10 docs/solutions.md#10"
    "lab A|slow|lab_a|docs/exercises.md#Part 2: change the code docs/exercises.md#Lab A docs/solutions.md#Lab A"
    "lab B|slow|lab_b|docs/exercises.md#Lab B docs/solutions.md#Lab B"
    "lab C|slow|lab_c|docs/exercises.md#Lab C docs/solutions.md#Lab C"
    "lab D|slow|lab_d|docs/exercises.md#Lab D docs/solutions.md#Lab D"
    "lab E|slow|lab_e|docs/exercises.md#Lab E docs/solutions.md#Lab E"
    "walkthrough 1|fast|walkthrough_1|docs/walkthrough.md#1"
    "walkthrough 3|fast|walkthrough_3|docs/walkthrough.md#3"
    "walkthrough 6|slow|walkthrough_6|docs/walkthrough.md#6"
    "walkthrough 8|fast|walkthrough_8|docs/walkthrough.md#8"
    "walkthrough 8, a session at a prompt|slow|walkthrough_8_prompt|docs/walkthrough.md#A session at a prompt"
    "exercise A|fast|exercise_a|docs/walkthrough.md#Exercise A"
    "exercise B|slow|exercise_b|docs/walkthrough.md#Exercise B"
    "readme session|fast|readme_session|README.md#A session"
)

# =============================================================================================
# Reading the docs
# =============================================================================================

# doc_items FILE...: one line per thing a check reads, FILE<TAB>KEY<TAB>ID<TAB>KIND<TAB>TEXT.
# KIND: cmd ("$ "), gdb ("(gdb) "), out (a line after one; ID: its command's), code (a line of a
# ```c, ```cpp or ```python block; ID c1, c2...), other (any other text of the section: for claims; ID "-").
# IDs count per section: $1, $2... for shell commands, g1, g2... for gdb commands.
doc_items() {
    awk '
        function key(h) {
            sub(/^#+[ \t]+/, "", h)
            if (match(h, /\. /)) return substr(h, 1, RSTART - 1)
            return h
        }
        FNR == 1 { k = ""; fence = ""; reset() }
        function reset() { ncmd = 0; ngdb = 0; ncode = 0; last = "0" }
        fence == "" && /^#+[ \t]/ { k = key($0); reset(); print FILENAME "\t" k "\t-\tother\t" $0; next }
        fence == "" && /^[ \t]*```/ {
            lang = $0; sub(/^[ \t]*```[ \t]*/, "", lang); sub(/[ \t].*/, "", lang)
            fence = lang == "" ? "text" : lang
            if (fence == "c" || fence == "cpp" || fence == "python") code = "c" (++ncode)
            next
        }
        fence != "" && /^[ \t]*```[ \t]*$/ { fence = ""; next }
        fence == "console" && /^\$ / { last = "$" (++ncmd); print FILENAME "\t" k "\t" last "\tcmd\t" substr($0, 3); next }
        fence == "console" && /^\(gdb\) / { last = "g" (++ngdb); print FILENAME "\t" k "\t" last "\tgdb\t" substr($0, 7); next }
        fence == "console" { print FILENAME "\t" k "\t" last "\tout\t" $0; next }
        fence == "c" || fence == "cpp" || fence == "python" { print FILENAME "\t" k "\t" code "\tcode\t" $0; next }
        { print FILENAME "\t" k "\t-\tother\t" $0 }
    ' "$@"
}

items=          # the file doc_items wrote for DOCS
cur_file=       # the section that cmd, shown, claim... read
cur_key=
# $tmp/used: "FILE#KEY#ID" of every command a check has asked for, one a line (a file: cmd runs
# in $(...), a subshell)
sections=       # the sections the running check declared

# section FILE KEY: the section the next cmd/shown/claim read.
section() {
    cur_file=$1
    cur_key=$2
    if ! awk -F'\t' -v f="$1" -v k="$2" '$1 == f && $2 == k { found = 1 } END { exit !found }' "$items"; then
        fail "$1 has no section '$2' any more"
    fi
}

# item KIND ID: the text of that item of the current section, one line each.
item() {
    awk -F'\t' -v f="$cur_file" -v k="$cur_key" -v kind="$1" -v id="$2" \
        '$1 == f && $2 == k && $4 == kind && $3 == id { for (i = 0; i < 4; i++) sub(/^[^\t]*\t/, ""); print }' "$items"
}

# cmd N: the Nth shell command of the section ("" and a failure if there is none).
cmd() {
    local text
    text=$(item cmd "\$$1")
    echo "$cur_file#$cur_key#\$$1" >>"$tmp/used"
    [ -n "$text" ] || fail "$cur_file, section $cur_key: no command $1 any more"
    printf '%s' "$text"
}

# gdbcmd N: the Nth gdb command of the section.
gdbcmd() {
    local text
    text=$(item gdb "g$1")
    echo "$cur_file#$cur_key#g$1" >>"$tmp/used"
    [ -n "$text" ] || fail "$cur_file, section $cur_key: no gdb command $1 any more"
    printf '%s' "$text"
}

# shown ID: what the doc shows after command ID ($2, g3), blank lines at its end dropped.
shown() {
    item out "$1" | awk '{ line[NR] = $0 } NF { last = NR } END { for (i = 1; i <= last; i++) print line[i] }'
}

# keys_of ID: what exercises.md says to type after command ID: its "> " lines without the "> ".
keys_of() {
    shown "$1" | sed -n 's/^> \{0,1\}//p'
}

# code N: the Nth C block of the section.
code() {
    item code "c$1"
}

# claim TEXT: the section says TEXT (blanks and line breaks count as one space). The check then
# tests it; when the doc changes, the check fails here first.
claim() {
    local text
    text=$(awk -F'\t' -v f="$cur_file" -v k="$cur_key" \
        '$1 == f && $2 == k { for (i = 0; i < 4; i++) sub(/^[^\t]*\t/, ""); printf "%s ", $0 }' "$items" | tr -s ' \t' ' ')
    case $text in
        *"$(printf '%s' "$1" | tr -s ' \n\t' ' ')"*) return 0 ;;
    esac
    fail "$cur_file, section $cur_key no longer says: $1"
    return 1
}

# all_run: every command of the check's sections was asked for.
all_run() {
    local s f k id
    while IFS= read -r s; do
        [ -n "$s" ] || continue
        f=${s%%#*}
        k=${s#*#}
        awk -F'\t' -v f="$f" -v k="$k" '$1 == f && $2 == k && ($4 == "cmd" || $4 == "gdb") { print $3 "\t" $5 }' "$items" |
        while IFS=$'\t' read -r id text; do
            grep -qxF -- "$f#$k#$id" "$tmp/used" 2>/dev/null || echo "$f, section $k: command $id is not run by the check: $text"
        done
    done <<<"$sections"
}

# =============================================================================================
# Reporting, waiting, comparing
# =============================================================================================

failures=0
check_name=

fail() {
    echo "check-exercises: $check_name: $*"
    failures=$((failures + 1))
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# eventually SECONDS COMMAND...: polls COMMAND every 20 ms until it succeeds; false at the deadline.
eventually() {
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# same WHAT EXPECTED ACTUAL: the two texts are equal; otherwise the difference.
same() {
    [ "$2" = "$3" ] && return 0
    fail "$1 differs from the doc (--- doc, +++ this run):"
    diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tail -n +3 | sed 's/^/    /'
    return 1
}

# same_set WHAT EXPECTED ACTUAL: the same lines in any order.
same_set() {
    same "$1 (as a set of lines)" "$(printf '%s\n' "$2" | sort)" "$(printf '%s\n' "$3" | sort)"
}

# ps_plain: ps's state letters without the flags that say how the test was started, not what
# a student sees ("SN+" under nice: "S+"; "Ss" for a session leader: "S").
ps_plain() {
    sed -E ':again; s/(^|[[:blank:]])([DIRSTtWXZ])[<NLsl]+(\+?)([[:blank:]]|$)/\1\2\3\4/; t again'
}

# masked: stdin with pids and addresses made alike ("N", "0xX"), ps's state flags dropped
# (ps_plain) and runs of blanks made one.
masked() {
    ps_plain | sed -E 's/0x[0-9a-f]+/0xX/g; s/\b[0-9]{2,7}\b/N/g; s/[[:blank:]]+/ /g; s/^ //; s/ $//'
}

# verdict N: the English verdict line for N, from the program (a check checks what the doc says
# the program printed; that the program's verdicts are right is the unit tests' business).
verdict() { "$PRIMEPROC" -l en "$1"; }

# children_of PID: the pids of its children, zombies included.
children_of() { tr ' ' '\n' <"/proc/$1/task/$1/children" 2>/dev/null | grep .; }

# stat_of PID: its STAT column in ps ("S+", "Z+", ...), empty once it is gone.
stat_of() { ps -o stat= -p "$1" 2>/dev/null | tr -d ' ' | ps_plain; }

# ps_rows PID... < ps output: the header and the rows of these pids, in the order given.
ps_rows() {
    awk -v want=" $* " 'NR == 1 { print; next } { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) break; if (index(want, " " $i " ")) print }'
}

# =============================================================================================
# A terminal: an interactive bash on a pseudo-terminal, driven by keys, read as a screen
# =============================================================================================

# term_start: starts it in $work. Signals go back to their defaults first (a check started from
# a background job has SIGINT ignored, and a shell cannot undo that for its children).
term_start() {
    rm -f "$tmp/keys" "$tmp/screen"
    mkfifo "$tmp/keys" || exit 1
    printf '%s\n' "PS1='\$ '" "PS2='> '" "cd '$work'" "echo \$\$ >'$tmp/bash.pid'" >"$tmp/bashrc"
    TERM=dumb env --default-signal script -qfec \
        "stty rows 50 cols 250; exec bash --noprofile --rcfile '$tmp/bashrc' -i" /dev/null \
        <"$tmp/keys" >"$tmp/screen" 2>&1 &
    term_pid=$!   # script's own pid (env execs it): stop_leftovers ends its session
    exec 3>"$tmp/keys"
    seen=0
    term_expect '$ ' || return 1
    bash_pid=$(cat "$tmp/bash.pid")
    term_mark
}

# type TEXT: types TEXT and Enter.
type_line() { printf '%s\r' "$1" >&3; }
# keys TEXT: types TEXT as it is (\003 is Ctrl-C).
keys() { printf "$1" >&3; }

# screen: what the terminal showed, without the "\r" of its line ends.
screen() { tr -d '\r' <"$tmp/screen"; }

# term_mark / since_mark: the screen from the mark on.
term_mark() { mark=$(wc -c <"$tmp/screen"); }
since_mark() { tail -c +$((mark + 1)) "$tmp/screen" | tr -d '\r'; }

# term_expect TEXT [SECONDS]: waits until the screen after the last expected text holds TEXT.
term_expect() {
    local deadline=$(($(now_ms) + ${2:-20} * 1000)) at
    while :; do
        at=$(tail -c +$((seen + 1)) "$tmp/screen" | grep -b -o -F -- "$1" | head -n 1 | cut -d: -f1)
        if [ -n "$at" ]; then
            seen=$((seen + at + ${#1}))
            return 0
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            fail "the terminal did not show '$1' within ${2:-20} s; it showed:"
            screen | tail -n 30 | sed 's/^/    /'
            return 1
        fi
        sleep 0.02
    done
}

# term_run COMMAND [SECONDS]: types a shell command and waits for the next shell prompt; the
# command's output (what the screen shows between the two) in $out.
term_run() {
    term_mark
    type_line "$1"
    term_expect $'\n$ ' "${2:-20}" || return 1
    out=$(since_mark | sed '1d; $d')
}

# term_job NAME: the pid of the process NAME that the terminal's shell started (a command typed
# at the prompt, alone or in a pipeline), once there is one; "" after 10 s.
term_job() {
    eventually 10 pgrep -P "$bash_pid" -x "$1" >/dev/null || return 1
    pgrep -P "$bash_pid" -x "$1" | head -n 1
}

term_end() {
    type_line "exit"
    exec 3>&-
    wait "$term_pid"
}

# =============================================================================================
# Work folders and labs
# =============================================================================================

# new_work: an empty folder with ./primeproc, ./primeproc-debug, ./primeproc-timeline and docs/ in it.
new_work() {
    work=$tmp/work
    rm -rf "$work" && mkdir -p "$work" || exit 1
    ln -s "$PRIMEPROC" "$work/primeproc"
    ln -s "$PRIMEPROC_DEBUG" "$work/primeproc-debug"
    ln -s "$(dirname "$PRIMEPROC")/primeproc-timeline" "$work/primeproc-timeline"   # built beside it
    ln -s "$root/docs" "$work/docs"
}

# lab_copy DIR: the repository copied into DIR, times kept, so that make rebuilds only what a lab
# changes, with the program's objects but no other build output. (Exercises.md's "cp -a .
# /tmp/lab" copies everything; here other test stages are writing into build/ meanwhile.)
lab_copy() {
    mkdir -p "$1" || return 1
    (cd "$root" && find . \( -path ./build -o -path ./.git -o -path "./$LAB_OUT" \) -prune -o -type f -print0 |
        xargs -0 cp -a --parents -t "$1") || return 1
    if [ -d "$root/$LAB_OUT" ]; then
        (cd "$root/$LAB_OUT" && find . -maxdepth 2 \( -name '*.o' -o -name '*.d' -o -name '*-flags' \) \
            -not -path './tests/*' -print0 | xargs -0 cp -a --parents -t "$1/build") 2>/dev/null
    fi
    return 0
}

# lab PATCH...: a copy of the program in $work/lab with the patches applied; fails if one does not
# apply as it is (no fuzz: a lab whose line is gone must fail the day it goes).
lab() {
    local p
    lab_copy "$work/lab" || { fail "could not copy the program"; return 1; }
    for p in "$@"; do
        if ! (cd "$work/lab" && patch -s -p1 -F0 --batch --no-backup-if-mismatch <"$root/docs/labs/$p") >"$tmp/patch.log" 2>&1; then
            fail "docs/labs/$p does not apply to the current source:"
            sed 's/^/    /' "$tmp/patch.log"
            return 1
        fi
    done
}

# lab_make COMMAND: the doc's "make" in the lab copy.
lab_make() {
    if ! (cd "$work/lab" && eval "$1") >"$tmp/make.log" 2>&1; then
        fail "'$1' failed in the lab copy:"
        tail -n 20 "$tmp/make.log" | sed 's/^/    /'
        return 1
    fi
}

# refresh_labs: each patch applied to a copy of the current source (its lines may have moved; its
# context must be there as it is: fuzz could put a change in the wrong place), then made again
# from it with one line of context, at the lines where it now applies. A patch that does not
# apply is named: that change is to be made again by hand, on the new source.
refresh_labs() {
    local p base
    base=$tmp/base
    for p in "$root"/docs/labs/lab-*.patch; do
        rm -rf "$base" "$base.new"
        mkdir -p "$base"
        (cd "$root" && git ls-files -z 2>/dev/null | xargs -0 cp -a --parents -t "$base") || lab_copy "$base"
        case $p in *-b2.patch) (cd "$base" && patch -s -p1 <"$root/docs/labs/lab-b.patch") ;; esac
        cp -a "$base" "$base.new"
        if ! (cd "$base.new" && patch -s -p1 -F0 --batch --no-backup-if-mismatch <"$p"); then
            echo "$p: does not apply to the current source; make the change again by hand"
            failures=$((failures + 1))
            continue
        fi
        (cd "$tmp" && diff -r -U1 base base.new | grep -v '^Only in' |
            sed -E 's#^--- base/([^\t]*).*#--- a/\1#; s#^\+\+\+ base.new/([^\t]*).*#+++ b/\1#; /^diff /d') >"$p"
    done
}

# =============================================================================================
# Coverage: every command of the docs belongs to a check, every lab patch applies
# =============================================================================================

check_coverage() {
    local entry secs f k s
    secs=$(for entry in "${CHECKS[@]}"; do
        IFS='|' read -r _ _ _ s <<<"$entry"
        printf '%s\n' "$s" | sed 's/ docs\//\ndocs\//g; s/ README.md#/\nREADME.md#/g'
    done)
    awk -F'\t' '$4 == "cmd" || $4 == "gdb" { print $1 "#" $2 }' "$items" | sort -u |
    while IFS= read -r s; do
        f=${s%%#*}
        k=${s#*#}
        grep -qxF -- "$s" <<<"$secs" && continue
        awk -F'\t' -v f="$f" -v k="$k" '$1 == f && $2 == k && /<!-- checked by tests\// { found = 1 } END { exit !found }' "$items" && continue
        echo "check-exercises: $f, section '$k' has commands that no check runs (add it to CHECKS)"
    done | grep . && failures=$((failures + 1))
    # Each section a check names still exists.
    while IFS= read -r s; do
        [ -n "$s" ] || continue
        awk -F'\t' -v f="${s%%#*}" -v k="${s#*#}" '$1 == f && $2 == k { found = 1 } END { exit !found }' "$items" ||
            fail "CHECKS names $s, which the docs no longer have"
    done <<<"$secs"
    # Every patch applies to the current source as it is.
    lab_copy "$tmp/src" || fail "could not copy the program"
    for p in "$root"/docs/labs/lab-*.patch; do   # (compare-*.patch: tests/check-comparison.sh)
        case $p in *-b2.patch) continue ;; esac
        (cd "$tmp/src" && patch -s -p1 -F0 --batch --dry-run <"$p") >"$tmp/patch.log" 2>&1 ||
            { fail "docs/labs/${p##*/} no longer applies (tests/check-exercises.sh --refresh-labs, or redo it):"; sed 's/^/    /' "$tmp/patch.log"; }
    done
    if (cd "$tmp/src" && patch -s -p1 <"$root/docs/labs/lab-b.patch") >/dev/null 2>&1; then
        (cd "$tmp/src" && patch -s -p1 -F0 --batch --dry-run <"$root/docs/labs/lab-b2.patch") >"$tmp/patch.log" 2>&1 ||
            { fail "docs/labs/lab-b2.patch no longer applies after lab-b.patch:"; sed 's/^/    /' "$tmp/patch.log"; }
    fi
}

# =============================================================================================
# The checks (see exercises.md and solutions.md for what each one claims)
# =============================================================================================

. "$root/tests/exercise-checks.sh"

# =============================================================================================

main() {
    case ${1:-} in
        --list)
            local entry name stage
            for entry in "${CHECKS[@]}"; do
                IFS='|' read -r name stage _ <<<"$entry"
                [ "${2:-fast}" = all ] || [ "$stage" = "${2:-fast}" ] && echo "$name"
            done
            return 0 ;;
        --items)
            shift
            (cd "$root" && doc_items "$@")
            return ;;
    esac
    tmp=$(mktemp -d) || exit 1
    trap 'cleanup' EXIT
    trap 'exit 1' HUP INT TERM
    if [ "${1:-}" = --refresh-labs ]; then
        refresh_labs
        [ "$failures" -eq 0 ]
        return
    fi
    items=$tmp/items
    (cd "$root" && doc_items $DOCS) >"$items" || exit 1
    local want entry name stage fn secs found
    for want in "$@"; do
        found=false
        for entry in "${CHECKS[@]}"; do
            IFS='|' read -r name stage fn secs <<<"$entry"
            [ "$name" = "$want" ] || continue
            found=true
            check_name=$name
            sections=$(printf '%s\n' "$secs" | sed 's/ docs\//\ndocs\//g; s/ README.md#/\nREADME.md#/g')
            : >"$tmp/used"
            new_work
            "$fn"
            if [ "$fn" != check_coverage ]; then
                while IFS= read -r line; do
                    [ -z "$line" ] || fail "$line"
                done <<<"$(all_run)"
            fi
            stop_leftovers
        done
        $found || { echo "check-exercises: no check '$want' (see --list all)"; failures=$((failures + 1)); }
    done
    [ "$failures" -eq 0 ]
}

# Whatever a check left running (a failed one may leave a terminal or a primeproc behind).
stop_leftovers() {
    if [ -n "${term_pid:-}" ] && kill -0 "$term_pid" 2>/dev/null; then
        exec 3>&- 2>/dev/null
        local sid
        sid=$(ps -o sid= -p "$(children_of "$term_pid")" 2>/dev/null | tr -d ' ')
        [ -z "$sid" ] || pkill -KILL -s "$sid" 2>/dev/null   # the terminal's session: ours alone
        kill "$term_pid" 2>/dev/null
        wait "$term_pid" 2>/dev/null
    fi
    term_pid=
    local pid
    for pid in $(jobs -p); do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
}

cleanup() {
    stop_leftovers
    rm -rf "$tmp"
}

main "$@"
