# exercise-checks.sh - one function per exercise of the docs, read beside exercises.md and
# solutions.md; sourced by tests/check-exercises.sh, which explains the helpers (section, cmd,
# shown, claim, term_*, lab...). Each function runs the doc's commands as a student would and
# fails (fail) on every claim that does not hold. $work is an empty folder with ./primeproc in it.
# shellcheck shell=bash disable=SC2154   # work, tmp, out...: set by check-exercises.sh

# in_work COMMAND: runs a doc's command in $work with bash, stdout to $out, stderr to $err, its
# status in $status.
in_work() {
    (cd "$work" && bash -c "$1") >"$tmp/stdout" 2>"$tmp/stderr"
    status=$?
    out=$(cat "$tmp/stdout")
    err=$(cat "$tmp/stderr")
}

# short: stdin cut to a few lines of at most 160 characters, for a message.
short() { head -n 6 | cut -c1-160; }

# same_command WHAT A B: a solution shows the command the exercise gives.
same_command() {
    [ "$2" = "$3" ] || fail "$1: the solution shows '\$ $3', the exercise says '\$ $2'"
}

# ---------------------------------------------------------------------------------------------
# 2. exit versus _exit
# ---------------------------------------------------------------------------------------------
exercise_2() {
    section docs/exercises.md 2
    local compile run_tty run_file tty_out file_out
    code 1 >"$work/fork1.c"
    compile=$(cmd 1) run_tty=$(cmd 2) run_file=$(cmd 3)
    in_work "$compile"
    [ "$status" -eq 0 ] && [ -z "$out$err" ] || { fail "'$compile' failed or warned: $out$err"; return; }
    term_start || return
    term_run "$run_tty"
    tty_out=$out
    in_work "$run_file"
    file_out=$out
    claim 'Then change `exit(0)` to `_exit(0)`'
    sed -i 's/if (pid == 0) exit(0);/if (pid == 0) _exit(0);/' "$work/fork1.c"
    grep -q '_exit(0);' "$work/fork1.c" || fail "fork1.c has no 'if (pid == 0) exit(0);' to change"
    in_work "$compile"
    term_run "$run_tty"
    local tty_out2=$out
    in_work "$run_file"
    local file_out2=$out
    term_end

    section docs/solutions.md 2
    same_command "solution 2" "$run_tty" "$(cmd 1)"
    same "solution 2, ./fork1 at a terminal" "$(shown '$1')" "$tty_out"
    same_command "solution 2" "$run_file" "$(cmd 2)"
    same "solution 2, ./fork1 into a file" "$(shown '$2')" "$file_out"
    claim 'Once on the terminal, twice in the file.'
    same_command "solution 2, with _exit" "$run_file" "$(cmd 3)"
    same "solution 2, ./fork1 with _exit into a file" "$(shown '$3')" "$file_out2"
    claim 'the terminal shows it once, as before'
    same "solution 2, ./fork1 with _exit at a terminal" "$(shown '$1')" "$tty_out2"
}

# ---------------------------------------------------------------------------------------------
# 3. The race the lock prevents
# ---------------------------------------------------------------------------------------------

# verdict_words: the words of stdin that are no piece of a verdict, at most 3. With --unlocked a
# child writes "N", " is", " not", " prime,", ... so a word is one of the verdict's words, or
# numbers, followed by other children's first pieces (numbers); "..." marks a line cut short.
verdict_words() {
    tr ' ' '\n' | grep -v -x -E '(is|not|prime,?|since|=|\*)?[0-9]*|\.\.\.' | head -n 3
}

exercise_3() {
    section docs/exercises.md 3
    local unlocked status_cmd locked notice run mixed=0
    unlocked=$(cmd 1) status_cmd=$(cmd 2) locked=$(cmd 3)
    notice="primeproc: --unlocked: children print without the lock, in pieces; lines will mix (a demonstration)"
    for run in 1 2 3 4 5; do
        in_work "$unlocked"$'\n'"$status_cmd"
        [ "$(printf '%s\n' "$out" | wc -l)" -eq 6 ] || fail "run $run: not 5 lines and a status: $(short <<<"$out")"
        [ "$(printf '%s\n' "$out" | tail -n 1)" = 141 ] || fail "run $run: primeproc did not end with 141: $(printf '%s\n' "$out" | tail -n 1)"
        [ "$err" = "$notice" ] || fail "run $run: stderr is not the notice alone: $err"
        [ -z "$(printf '%s\n' "$out" | verdict_words)" ] || fail "run $run: words that are no verdict's: $(printf '%s\n' "$out" | verdict_words)"
        printf '%s\n' "$out" | head -n 5 | grep -v -x -E '[0-9]+ is (not )?prime(, since [0-9]+ = [0-9]+ \* [0-9]+)?' | grep -q . &&
            mixed=$((mixed + 1))
    done
    [ "$mixed" -gt 0 ] || fail "in 5 runs with --unlocked no line was mixed"
    local locked_out
    in_work "$locked"
    locked_out=$out
    [ -z "$err" ] || fail "without --unlocked, stderr: $err"
    whole_verdicts "without --unlocked" "$locked_out" 5

    section docs/solutions.md 3
    same_command "solution 3" "$unlocked" "$(cmd 1)"
    [ "$(shown '$1' | head -n 1)" = "$notice" ] || fail "solution 3 does not show the notice first"
    [ -z "$(shown '$1' | tail -n +2 | verdict_words)" ] || fail "solution 3 shows words no verdict has: $(shown '$1' | tail -n +2 | verdict_words)"
    same_command "solution 3" "$status_cmd" "$(cmd 2)"
    same "solution 3, the status" "$(shown '$2')" 141
    same_command "solution 3" "$locked" "$(cmd 3)"
    whole_verdicts "solution 3, without --unlocked" "$(shown '$3')" 5
}

# whole_verdicts WHAT TEXT COUNT: TEXT is COUNT whole verdicts of different numbers of 1000000..1000300.
whole_verdicts() {
    local line n
    [ "$(printf '%s\n' "$2" | wc -l)" -eq "$3" ] || fail "$1: not $3 lines: $2"
    while IFS= read -r line; do
        n=${line%% *}
        case $n in
            '' | *[!0-9]*) fail "$1: not a verdict: $line"; continue ;;
        esac
        [ "$n" -ge 1000000 ] && [ "$n" -le 1000300 ] || fail "$1: $n is not in the input"
        [ "$line" = "$(verdict "$n")" ] || fail "$1: not the verdict for $n: $line"
    done <<<"$2"
    [ "$(printf '%s\n' "$2" | sort -u | wc -l)" -eq "$3" ] || fail "$1: a line twice"
}

# ---------------------------------------------------------------------------------------------
# 5. Watch the system calls
# ---------------------------------------------------------------------------------------------

# strace_joined: strace -f output with each "<unfinished ...>" joined to its "<... resumed>", and
# its "Process N attached" notes taken out of the lines they cut, so that every call is one
# line, as strace prints it when nothing runs between.
strace_joined() {
    sed -z 's/strace: Process [0-9]* attached\n//g' | awk '
        { pid = ""; line = $0 }
        match(line, /^\[pid +[0-9]+\] /) { pid = substr(line, RSTART, RLENGTH); line = substr(line, RLENGTH + 1) }
        !pid && match(line, /^[0-9]+ +/) { pid = substr(line, 1, RLENGTH); line = substr(line, RLENGTH + 1) }
        line ~ / <unfinished \.\.\.>$/ { sub(/ <unfinished \.\.\.>$/, "", line); open[pid] = line; next }
        line ~ /^<\.\.\. [a-z_0-9]+ resumed>/ && (pid in open) {
            sub(/^<\.\.\. [a-z_0-9]+ resumed>/, "", line)
            print pid open[pid] line
            delete open[pid]
            next
        }
        { print pid line }'
}

# shown_lines_in WHAT SHOWN ACTUAL [MASK]: every line SHOWN has, but "...", is a line of ACTUAL,
# once both went through MASK (default masked: pids, addresses, blanks made alike).
shown_lines_in() {
    local line mask=${4:-masked}
    while IFS= read -r line; do
        [ "$line" = "..." ] && continue
        grep -qxF -- "$(printf '%s\n' "$line" | $mask)" <(printf '%s\n' "$3" | $mask) ||
            fail "$1: this run has no line like: $line"
    done <<<"$2"
}

# strace_masked: strace's lines with the pids (the calling process's, and clone's and wait4's
# results) and addresses made alike, and blanks; sizes and every other number kept.
strace_masked() {
    sed -E 's/^[0-9]+ +/N /; s/^\[pid +[0-9]+\] /[pid N] /; s/0x[0-9a-f]+/0xX/g; s/si_pid=[0-9]+/si_pid=N/
            /^(N |\[pid N\] )?(clone|wait4)\(/ s/= [0-9]+$/= N/; s/[[:blank:]]+/ /g; s/ $//'
}

exercise_5() {
    section docs/exercises.md 5
    local trace grep_cmd writes calls quiet=0 run lock_page
    trace=$(cmd 1) grep_cmd=$(cmd 2) writes=$(cmd 3)
    for run in 1 2 3 4 5; do
        in_work "$trace"
        [ "$status" -eq 0 ] || { fail "'$trace' failed: $err"; return; }
        # futex only when two children met at the lock: then on the lock's page, nowhere else
        lock_page=$(grep -m 1 'MAP_SHARED|MAP_ANONYMOUS' "$work/trace.txt" | sed -E 's/.* = (0x[0-9a-f]+)$/\1/')
        grep 'futex(' "$work/trace.txt" | grep -v -F "futex($lock_page, FUTEX_" | grep -q . &&
            fail "a futex call not on the lock ($lock_page): $(grep 'futex(' "$work/trace.txt" | short)"
        grep -q 'futex(' "$work/trace.txt" || quiet=$((quiet + 1))
    done
    in_work "$grep_cmd"
    calls=$(printf '%s\n' "$out" | strace_joined)
    claim 'Look for the `MAP_SHARED` mappings, the two `clone`s'
    [ "$(grep -c 'MAP_SHARED|MAP_ANONYMOUS' <<<"$calls")" -eq 3 ] || fail "not three MAP_SHARED mappings: $(short <<<"$calls")"
    [ "$(grep -c 'clone(' <<<"$calls")" -eq 2 ] || fail "not two clones"
    [ "$(grep -c 'set_robust_list' <<<"$calls")" -eq 3 ] || fail "not one set_robust_list for each of three processes"
    [ "$(grep -c 'exit_group(0)' <<<"$calls")" -eq 3 ] || fail "not three exit_group(0)"
    in_work "$writes"
    local write_calls
    write_calls=$(printf '%s\n' "$err" | strace_joined | grep 'write(1,')
    [ "$(grep -c . <<<"$write_calls")" -eq 2 ] || fail "not two writes to stdout: $write_calls"
    grep -q -F 'write(1, "97 is prime\n", 12)' <<<"$write_calls" || fail "no single write of '97 is prime': $write_calls"

    section docs/solutions.md 5
    same_command "solution 5" "$trace" "$(cmd 1)"
    same_command "solution 5" "$grep_cmd" "$(cmd 2)"
    shown_lines_in "solution 5, the trace" "$(shown '$2')" "$calls" strace_masked
    claim 'Three `MAP_SHARED|MAP_ANONYMOUS` mappings'
    claim 'Often no `futex` at all'
    [ "$quiet" -ge 1 ] || fail "futex calls in every one of 5 runs"
    same_command "solution 5" "$writes" "$(cmd 3)"
    shown_lines_in "solution 5, the writes" "$(shown '$3')" "$(printf '%s\n' "$err" | strace_joined)" strace_masked
}

# ---------------------------------------------------------------------------------------------
# 7. Results out of order
# ---------------------------------------------------------------------------------------------
exercise_7() {
    section docs/exercises.md 7
    local run_cmd cpu
    run_cmd=$(cmd 1)
    section docs/solutions.md 7
    same_command "solution 7" "$run_cmd" "$(cmd 1)"
    local TIMEFORMAT='%U %S'   # bash's time: user and system CPU, of the children too
    { time in_work "$run_cmd"; } 2>"$tmp/time"
    cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
    same "solution 7, the last answer" "$(shown '$1' | tail -n 1)" "$(tail -n 1 <<<"$out")"
    same_set "solution 7" "$(shown '$1')" "$out"
    claim '`4` and `9` at once (in either order)'
    claim 'the big prime about a second of CPU later'
    awk -v t="$cpu" 'BEGIN { exit !(t >= 0.2 && t <= 3) }' || fail "it took $cpu s of CPU, not about a second"
}

# ---------------------------------------------------------------------------------------------
# 1. Zombies in ps
# ---------------------------------------------------------------------------------------------

# ps_stat_of PS_OUTPUT PID: the STAT column of PID's row in the doc's ps output (columns
# pid,ppid,stat,cmd), or "" when it is not there.
ps_row_of() { printf '%s\n' "$1" | awk -v p="$2" '$1 == p'; }

exercise_1() {
    section docs/exercises.md 1
    local watch_cmd ps_cmd run_cmd number parent child="" rows row while_computing="" answer
    watch_cmd=$(cmd 1) run_cmd=$(cmd 2) number=$(keys_of '$2')
    ps_cmd=${watch_cmd#watch -n 0.2 }   # what watch runs every 0.2 s
    [ "$ps_cmd" != "$watch_cmd" ] || { fail "the watch command is not 'watch -n 0.2 ...'"; return; }
    answer=$(verdict "$number")
    claim 'about a second of work'
    cpu_seconds_between "$number" 0.2 3
    term_start || return
    type_line "$run_cmd"
    parent=$(term_job primeproc) || { fail "no primeproc started"; return; }
    term_expect '> ' || return
    type_line "$number"
    # What watch shows while the child computes, until the answer is on the screen.
    until screen | grep -qF "$answer"; do   # (--live erases the prompt first: not a whole line)
        [ -n "$child" ] || child=$(children_of "$parent" | head -n 1)
        if [ -n "$child" ]; then
            rows=$(cd "$work" && eval "$ps_cmd" | ps_plain)
            row=$(ps_row_of "$rows" "$child")
            screen | grep -qF "$answer" && break   # it may have ended since
            [ -z "$row" ] || while_computing+="$(awk '{ print $3 }' <<<"$row") "
        fi
        sleep 0.05
        [ "$(now_ms)" -lt $((${start_ms:=$(now_ms)} + 30000)) ] || { fail "no answer within 30 s"; return; }
    done
    case " $while_computing" in
        *" R+ "*) ;;
        *) fail "the child was never seen R+ while it computed: $while_computing" ;;
    esac
    printf '%s\n' $while_computing | grep -v -x -E 'R\+|S\+' | grep -q . && fail "states while computing: $while_computing"
    local after_answer parent_row
    eventually 5 sh -c "ps -o stat= -p $child | grep -q Z" || fail "the child did not end after its answer"
    rows=$(cd "$work" && eval "$ps_cmd" | ps_plain)
    after_answer=$(ps_row_of "$rows" "$child" | awk '{ $1 = $2 = ""; print substr($0, 3) }')
    parent_row=$(ps_row_of "$rows" "$parent" | awk '{ print $3 }')
    type_line ""
    eventually 5 sh -c "! ps -p $child >/dev/null" || fail "the zombie was not reaped after Enter"
    type_line "e"

    section docs/solutions.md 1
    claim 'While it computes, the child is `R+`'
    claim 'and before you press Enter, the child is `Z+`, `[primeproc] <defunct>`: a zombie'
    same "solution 1, the child after its answer" "Z+ [primeproc] <defunct>" "$after_answer"
    claim 'The parent is `S+`'
    same "solution 1, the parent" "S+" "$parent_row"
    claim 'Enter on an empty line makes it disappear'
}

# cpu_seconds_between NUMBER LOW HIGH: ./primeproc NUMBER takes between LOW and HIGH seconds of CPU.
cpu_seconds_between() {
    local t
    t=$( { TIMEFORMAT='%U %S'; time "$PRIMEPROC" "$1" >/dev/null; } 2>&1 | awk '{ print $1 + $2 }')
    awk -v t="$t" -v lo="$2" -v hi="$3" 'BEGIN { exit !(t >= lo && t <= hi) }' ||
        fail "$1 took $t s of CPU, not between $2 and $3"
}

# ---------------------------------------------------------------------------------------------
# 6. Ctrl-C and process groups
# ---------------------------------------------------------------------------------------------
exercise_6() {
    section docs/exercises.md 6
    local run_cmd ps_cmd status_cmd kill_cmd parent kids rows pgids tpgids
    run_cmd=$(cmd 1) ps_cmd=$(cmd 2) status_cmd=$(cmd 3) kill_cmd=$(cmd 4)
    term_start || return
    type_line "$run_cmd"
    parent=$(term_job primeproc) || { fail "no primeproc started"; return; }
    eventually 10 sh -c "[ \$(cat /proc/$parent/task/$parent/children | wc -w) -eq 2 ]" ||
        fail "not two children computing"
    kids=$(children_of "$parent")
    rows=$(cd "$work" && eval "$ps_cmd" | ps_rows "$parent" $kids | ps_plain)
    pgids=$(awk 'NR > 1 { print $2 }' <<<"$rows" | sort -u)
    tpgids=$(awk 'NR > 1 { print $3 }' <<<"$rows" | sort -u)
    [ "$(wc -l <<<"$rows")" -eq 4 ] || fail "ps did not show the parent and two children: $rows"
    [ "$pgids" = "$tpgids" ] && [ "$(wc -l <<<"$pgids")" -eq 1 ] || fail "PGID and TPGID are not one and the same: $rows"
    # The group is the pipeline's, named after its first process (yes, long gone: head took its 40)
    [ "$pgids" -lt "$parent" ] || fail "the process group $pgids is not the pipeline's, started before primeproc ($parent)"
    keys '\003'
    term_expect '$ ' || return
    term_run "$status_cmd"
    local after_ctrl_c=$out
    for k in $kids; do ps -p "$k" >/dev/null && fail "child $k still there after Ctrl-C"; done
    # Again, ended from the other terminal.
    term_mark
    type_line "$run_cmd"
    local parent2
    eventually 10 sh -c "pgrep -P $bash_pid -x primeproc | grep -vx $parent >/dev/null" || { fail "no second primeproc"; return; }
    parent2=$(pgrep -P "$bash_pid" -x primeproc | grep -vx "$parent" | head -n 1)
    eventually 10 sh -c "[ \$(cat /proc/$parent2/task/$parent2/children | wc -w) -eq 2 ]"
    kids=$(children_of "$parent2")
    in_work "${kill_cmd/PID/$parent2}"
    term_expect $'\n$ ' || return
    term_run "$status_cmd"
    local after_term=$out
    for k in $kids; do ps -p "$k" >/dev/null && fail "child $k still there after kill -TERM"; done

    section docs/solutions.md 6
    same_command "solution 6" "$ps_cmd" "$(cmd 1)"
    same "solution 6, ps" "$(shown '$1' | masked)" "$(masked <<<"$rows")"
    claim '(`PGID` = `TPGID`)'
    claim 'named after its first process, `yes`'
    same_command "solution 6" "$run_cmd" "$(cmd 2)"
    same "solution 6, the key" "^C" "$(shown '$2')"
    same_command "solution 6" "$status_cmd" "$(cmd 3)"
    same "solution 6, after Ctrl-C" "$(shown '$3')" "$after_ctrl_c"
    same_command "solution 6" "$status_cmd" "$(cmd 4)"
    same "solution 6, after kill -TERM" "$(shown '$4')" "$after_term"
}

# ---------------------------------------------------------------------------------------------
# 8. Answers at the prompt
# ---------------------------------------------------------------------------------------------

# enters_until TEXT MAX: presses Enter on empty lines, one after each prompt, until TEXT is on
# the screen since the mark; the number of Enters it took in $enters (MAX+1: never).
enters_until() {
    enters=0
    while ! since_mark | grep -qxF "$1" && [ "$enters" -le "$2" ]; do
        type_line ""
        enters=$((enters + 1))
        term_expect '> ' || return 1
        sleep 0.1
    done
}

exercise_8() {
    section docs/exercises.md 8
    local plain live number big answer run counts=""
    plain=$(cmd 1) live=$(cmd 2)
    number=$(keys_of '$1')
    big=$(keys_of '$2' | tail -n 1)
    [ "$(keys_of '$2' | head -n 1)" = "$number" ] || fail "--live: not the same number first"
    answer=$(verdict "$number")
    claim 'Type `97`, wait a second, then press Enter on empty lines, one at a time'
    term_start || return
    for run in 1 2 3; do
        term_mark
        type_line "$plain"
        term_expect '> ' || return
        type_line "$number"
        term_expect '> ' || return
        sleep 1
        enters_until "$answer" 3
        counts+="$enters "
        type_line "e"
        term_expect $'\n$ ' || return
    done
    for run in $counts; do
        [ "$run" -le 1 ] || fail "the answer came after $run Enters (runs: $counts)"
    done
    # --live: the answer at once; a half-typed number erased from the screen, still sent.
    term_mark
    type_line "$live"
    term_expect '> ' || return
    type_line "$number"
    term_expect "$answer" 5 || fail "--live: the answer did not come at once"
    term_expect '> ' || return
    type_line "$big"
    term_expect '> ' || return
    keys '1'
    sleep 0.1
    keys '2'
    term_expect "$(verdict "$big")" 30 || return
    since_mark | grep -q -F $'12\r\x1b[K'"$(verdict "$big")" 2>/dev/null ||
        tail -c +$((mark + 1)) "$tmp/screen" | grep -q -F -e $'12\r\x1b[K' ||
        fail "--live: the half-typed 12 was not erased before the answer"
    type_line ""
    term_expect "$(verdict 12)" 5 || fail "--live: Enter did not send the half-typed 12"
    type_line "e"
    term_expect $'\n$ ' || return

    section docs/solutions.md 8
    claim 'after at most one Enter'
    claim 'Enter sends it'
}

# ---------------------------------------------------------------------------------------------
# 9. Orphans
# ---------------------------------------------------------------------------------------------

# without_job_lines: stdin without bash's "[1]+  Killed ..." job reports.
without_job_lines() { grep -v -E '^\[[0-9]+\][+-]? +[A-Z]'; }

exercise_9() {
    section docs/exercises.md 9
    local c parent child outs=() all ppid
    for c in 1 2 3 4 5 6 7 8; do eval "local c$c=\$(cmd $c)"; done
    term_start || return
    orphan_steps "$c1" || return
    term_run "${c5//CHILD/$child}"; outs[5]=$out
    ppid=$(ps -o ppid= -p "$child" | tr -d ' ')
    [ -n "$ppid" ] && [ "$ppid" != "$parent" ] || fail "the orphan's parent: '$ppid'"
    [ "$(stat_of "$child")" = T ] || fail "the orphan is not stopped (T) once its parent is dead: $(stat_of "$child")"
    term_run "${c6//CHILD/$child}"; outs[6]=$out
    # "a moment later": until init has reaped it (some pid 1 reap late)
    eventually 30 sh -c "! ps -p $child >/dev/null" || fail "the orphan was not gone within 30 s after SIGCONT"
    term_run "${c7//CHILD/$child}"; outs[7]=$out
    term_run "$c8"; outs[8]=$out
    eventually 5 sh -c "! pgrep -s $bash_pid -x sleep >/dev/null" || fail "'$c8' left the sleep running"
    term_run ""   # bash reports a finished job before its next prompt
    all=$(screen)

    section docs/solutions.md 9
    local n text doc_child
    doc_child=$(shown '$3' | head -n 1)   # the solution's commands name its own child's pid
    for n in 1 2 3 4 5 6 7 8; do
        eval "text=\$c$n"
        same_command "solution 9" "${text//CHILD/$doc_child}" "$(cmd $n)"
        same "solution 9, after '$text'" "$(shown "\$$n" | without_job_lines | masked)" \
            "$(printf '%s\n' "${outs[$n]}" | without_job_lines | masked)"
    done
    grep -q -E "^\\[1\\]\\+ +Killed +" <<<"$all" || fail "bash did not report the job as Killed: $all"
    grep -q -E '^\[1\]\+ +Killed +' <(shown '$8') || fail "solution 9 does not show the job reported as Killed"
    claim 'The stopped child (`T`) now has `PPID` 1'
    # Without the sleep: the orphaned process group gets SIGHUP and SIGCONT, the child dies.
    local bare
    bare=$(sed -E 's/^\((.*); sleep [0-9]+\)/\1/' <<<"$c1")
    claim "without it (\`$bare\`, the same steps) the stopped child is already dead when you look"
    term_run "cd '$work'"
    orphan_steps "$bare" || return
    eventually 5 sh -c "[ \"\$(ps -o stat= -p $child | cut -c1)\" != T ]" ||
        fail "without the sleep the orphan is still stopped"
    term_run ""
}

# orphan_steps FIRST: exercise 9's first four commands, the first one FIRST; sets $parent, $child
# and outs[1..4].
orphan_steps() {
    term_run "$1"; outs[1]=$out
    parent=$(sed -n 's/^\[1\] \([0-9]*\)$/\1/p' <<<"$out")
    [ -n "$parent" ] || { fail "no '[1] PID' after '$1': $out"; return 1; }
    eventually 10 sh -c "[ -n \"\$(cat /proc/$parent/task/$parent/children)\" ]" || fail "primeproc started no child"
    term_run "$c2"; outs[2]=$out
    term_run "$c3"; outs[3]=$out
    child=$out
    [ "$(stat_of "$child")" = T ] || fail "the child is not stopped (T): $(stat_of "$child")"
    term_run "$c4"; outs[4]=$out
    eventually 5 sh -c "! kill -0 $parent 2>/dev/null" || fail "the parent is still there"
}

# ---------------------------------------------------------------------------------------------
# 4. Kill a child that holds the lock
# ---------------------------------------------------------------------------------------------
exercise_4() {
    section docs/exercises.md 4
    local run_cmd grep_cmd kill_cmd job holder="" numbers
    run_cmd=$(cmd 1) grep_cmd=$(cmd 2) kill_cmd=$(cmd 3)
    numbers=$(cd "$work" && eval "${run_cmd%%|*}" | wc -l)
    (cd "$work" && exec bash -c "$run_cmd") >"$tmp/ex4.out" 2>&1 &
    job=$!
    # The holder: the last child that took the lock, asleep (in write) and not releasing it.
    holder_found() {
        in_work "$grep_cmd"
        holder=$(sed -n 's/.* child \([0-9]*\): took the lock$/\1/p' <<<"$out")
        [ -n "$holder" ] && [ "$(stat_of "$holder")" = S ] && sleep 0.2 &&
            [ "$(in_work "$grep_cmd"; sed -n 's/.* child \([0-9]*\): took the lock$/\1/p' <<<"$out")" = "$holder" ] &&
            ! grep -q "child $holder: releases the lock" "$work/trace.txt"
    }
    eventually 4 holder_found || { fail "no child found holding the lock within 4 s"; wait "$job"; return; }
    in_work "${kill_cmd/PID/$holder}"
    [ "$status" -eq 0 ] || fail "'$kill_cmd' failed: $err"
    wait "$job"

    section docs/solutions.md 4
    claim 'a process died while holding the output lock; repaired it with pthread_mutex_consistent and carrying on'
    grep -qF 'a process died while holding the output lock; repaired it with pthread_mutex_consistent and carrying on' "$work/trace.txt" ||
        fail "trace.txt does not report the repair"
    claim 'the killed child ends with `WIFSIGNALED, WTERMSIG = 9`'
    grep -q "waitpid() -> child $holder: WIFSIGNALED, WTERMSIG = 9" "$work/trace.txt" || fail "the holder's end is not reported as WTERMSIG = 9"
    claim 'and every other number is answered'
    local answered
    answered=$(grep -c 'WIFEXITED, WEXITSTATUS = 0' "$work/trace.txt")
    [ "$answered" -eq $((numbers - 1)) ] || fail "$answered of $((numbers - 1)) other children exited normally"
}

# ---------------------------------------------------------------------------------------------
# 10. A stopped child that holds the lock, in gdb
# ---------------------------------------------------------------------------------------------

# gdb_do COMMAND [SECONDS]: types a gdb command, waits for the next "(gdb) " prompt; what gdb
# printed in $out.
gdb_do() {
    term_mark
    type_line "$1"
    term_expect $'\n(gdb) ' "${2:-30}" || return 1
    out=$(since_mark | sed '1d; $d')
}

# gdb_masked: gdb's words made alike across runs and machines: the work folder, pids, addresses,
# line numbers, blanks.
gdb_masked() { sed "s#$work#/...#g" | masked; }

exercise_10() {
    section docs/exercises.md 10
    local make_cmd gdb_cmd n outs=() second
    make_cmd=$(cmd 1) gdb_cmd=$(cmd 2)
    (cd "$root" && eval "$make_cmd") >"$tmp/make.log" 2>&1 || { fail "'$make_cmd' failed"; return; }
    term_start || return
    term_mark
    type_line "$gdb_cmd"
    term_expect '(gdb) ' || return
    for n in 1 2 3 4 5 6 7; do gdb_do "$(gdbcmd $n)" 60 || return; outs[n]=$out; done
    grep -q 'hit Breakpoint 1\.3' <<<"${outs[7]}" || fail "the second child did not reach the breakpoint: ${outs[7]}"
    # The last continue: the second child waits at the lock the stopped first one holds.
    term_mark
    type_line "$(gdbcmd 8)"
    second=$(pgrep -n -s "$bash_pid" -x primeproc-debug)
    eventually 10 sh -c "ps -o stat= -p $second | grep -q '^S'" || fail "the second child does not wait (S)"
    keys '\003'
    term_expect $'\n(gdb) ' || return
    outs[8]=$(since_mark | sed '1d; $d')
    gdb_do "$(gdbcmd 9)" || return; outs[9]=$out
    gdb_do "$(gdbcmd 10)" || return; outs[10]=$out
    # The solution goes on: the holder, let go.
    section docs/solutions.md 10
    local sol=() m
    for m in 4 5 6; do gdb_do "$(gdbcmd $m)" || return; sol[m]=$out; done
    section docs/exercises.md 10
    gdb_do "$(gdbcmd 11)" || return; outs[11]=$out
    term_mark
    type_line "$(gdbcmd 12)"
    term_expect $'\n$ ' || return
    outs[12]=$(since_mark | sed '1d; $d')

    section docs/solutions.md 10
    for m in 1 2 3; do
        same_command "solution 10" "$(section docs/exercises.md 10; gdbcmd $((m + 7)))" "$(gdbcmd $m)"
        shown_lines_in "solution 10, after (gdb) $(gdbcmd $m)" "$(shown "g$m" | gdb_masked)" "$(gdb_masked <<<"${outs[m + 7]}")"
    done
    for m in 4 5 6; do
        shown_lines_in "solution 10, after (gdb) $(gdbcmd $m)" "$(shown "g$m" | gdb_masked)" "$(gdb_masked <<<"${sol[m]}")"
    done
    same_command "solution 10" "$(section docs/exercises.md 10; gdbcmd 11)" "$(gdbcmd 7)"
    shown_lines_in "solution 10, after (gdb) $(gdbcmd 7)" "$(shown g7 | gdb_masked)" "$(gdb_masked <<<"${outs[11]}")"
    same_command "solution 10" "$(section docs/exercises.md 10; gdbcmd 12)" "$(gdbcmd 8)"
    bt_frames "solution 10" "$(shown g2)" "${outs[9]}"
}

# bt_frames WHAT SHOWN ACTUAL: the functions of the backtrace SHOWN, frame by frame, are those of
# ACTUAL (up to a "..." in SHOWN).
bt_frames() {
    frames() { sed -n -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?([^ ]+( [^ (]+)*) \(.*/\2/p'; }
    same "$1, the backtrace's functions" "$(frames <<<"$2")" "$(frames <<<"$3" | head -n "$(frames <<<"$2" | wc -l)")"
}

# ---------------------------------------------------------------------------------------------
# The labs: each on a copy of the program with its patch applied
# ---------------------------------------------------------------------------------------------

# lab_start PATCH...: the copy, as Part 2 says (the doc's cp, in $work instead of /tmp).
lab_start() {
    section docs/exercises.md "Part 2: change the code"
    local copy
    copy=$(cmd 1)
    [ "$copy" = "cp -a . /tmp/lab && cd /tmp/lab" ] || fail "Part 2 copies with '$copy'; lab_copy copies as 'cp -a . /tmp/lab' did"
    lab "$@"
}

# lab_terminal: the terminal, in the lab copy.
lab_terminal() {
    term_start || return 1
    term_run "cd '$work/lab'"
}

lab_a() {
    lab_start lab-a.patch || return
    section docs/exercises.md "Lab A"
    local make_cmd run_cmd key screens=() run
    make_cmd=$(cmd 1) run_cmd=$(cmd 2)
    lab_make "$make_cmd" || return
    lab_terminal || return
    for run in 1 2 3; do
        term_mark
        type_line "$run_cmd"
        term_expect '> ' || return
        while IFS= read -r key; do
            type_line "$key"
            if [ -n "$key" ]; then
                term_expect "$(verdict "$key")" 5 || fail "the answer to $key did not come before the next Enter"
            else
                term_expect '> ' || return
            fi
        done < <(keys_of '$2')   # (not <<<"$(...)": that would drop the last Enter)
        type_line "e"
        term_expect $'\n$ ' || return
        screens[run]=$(since_mark | sed '1,2d; $d')
    done
    section docs/solutions.md "Lab A"
    same_command "solution A" "$run_cmd" "$(cmd 1)"
    claim 'The answer lands inside the prompt, at once.'
    local inside=0
    for run in 1 2 3; do
        grep -q -E '^> [0-9]+ is' <<<"${screens[run]}" && inside=$((inside + 1))
    done
    [ "$inside" -gt 0 ] || fail "in 3 runs no answer landed inside a prompt line: ${screens[1]}"
    grep -q -E '^> [0-9]+ is' <(shown '$1') || fail "solution A shows no answer inside the prompt"
    local seen_it=false
    for run in 1 2 3; do
        # the screen at the last Enter: the "e" that ended the run not yet typed
        [ "$(shown '$1' | tail -n +2 | sed 's/ *$//')" = "$(sed 's/ *$//; $s/^> e$/>/' <<<"${screens[run]}")" ] && seen_it=true
    done
    $seen_it || same "solution A (no run of 3 printed it)" "$(shown '$1' | tail -n +2)" "${screens[1]}"
}

lab_b() {
    lab_start lab-b.patch || return
    section docs/exercises.md "Lab B"
    local make1 count make2 deadline out1 run t0 counts="" total secs lines
    make1=$(cmd 1) count=$(cmd 2) make2=$(cmd 3) deadline=$(cmd 4)
    lab_make "$make1" || return
    (cd "$work/lab" && bash -c "$count") >"$tmp/b.out" 2>&1
    out1=$(cat "$tmp/b.out")
    (cd "$work/lab" && patch -s -p1 -F0 --batch <"$root/docs/labs/lab-b2.patch") >"$tmp/patch.log" 2>&1 ||
        { fail "docs/labs/lab-b2.patch does not apply after lab-b.patch: $(cat "$tmp/patch.log")"; return; }
    lab_make "$make2" || return
    for run in 1 2; do
        t0=$(now_ms)
        counts+="$(cd "$work/lab" && bash -c "$deadline" 2>/dev/null | tr -d ' ')/$((($(now_ms) - t0) / 1000))s "
    done
    section docs/solutions.md "Lab B"
    same_command "solution B" "$count" "$(cmd 1)"
    same "solution B, without setpshared" "$(shown '$1')" "$out1"
    same_command "solution B" "$deadline" "$(cmd 2)"
    claim 'Without `setpshared` *and* without `setrobust` it hangs, at most 63 lines short'
    total=$(cd "$work" && eval "${count%%|*}" | wc -l)
    for run in $counts; do
        secs=${run#*/} lines=${run%%/*}
        # killed by the deadline (10 s: at least 9 s went by), 1 to 63 children short
        [ "$lines" -lt "$total" ] && [ "$lines" -ge $((total - 63)) ] && [ "${secs%s}" -ge 9 ] ||
            fail "without both attributes: $run (lines/seconds), not a hang 1 to 63 lines short (runs: $counts)"
    done
    [ "$(shown '$2')" -lt "$total" ] && [ "$(shown '$2')" -ge $((total - 63)) ] ||
        fail "solution B shows $(shown '$2'), not 1 to 63 lines short of $total"
}

lab_c() {
    lab_start lab-c.patch || return
    section docs/exercises.md "Lab C"
    local make_cmd tty_cmd file_cmd tty_out file_out
    make_cmd=$(cmd 1) tty_cmd=$(cmd 2) file_cmd=$(cmd 3)
    lab_make "$make_cmd" || return
    lab_terminal || return
    term_run "$tty_cmd"
    tty_out=$out
    (cd "$work/lab" && bash -c "$file_cmd") >"$tmp/c.out" 2>&1
    file_out=$(cat "$tmp/c.out")
    section docs/solutions.md "Lab C"
    same_command "solution C" "$tty_cmd" "$(cmd 1)"
    same "solution C, at a terminal: the first line" "$(shown '$1' | head -n 1)" "$(head -n 1 <<<"$tty_out")"
    same_set "solution C, at a terminal" "$(shown '$1')" "$tty_out"
    same_command "solution C" "$file_cmd" "$(cmd 2)"
    same_set "solution C, in a file" "$(shown '$2')" "$file_out"
    claim 'the parent'"'"'s copy came out last'
    same "solution C, the file's last line" "primeproc starts" "$(tail -n 1 <<<"$file_out")"
    same "solution C, the doc's last line" "primeproc starts" "$(shown '$2' | tail -n 1)"
}

# zombies_settled PID: the parent waits for input (in poll) and none of its children runs.
zombies_settled() {
    local nr
    read -r nr _ <"/proc/$1/syscall" || return 1
    case $nr in 7 | 271 | 73) ;; *) return 1 ;; esac   # poll, ppoll (x86_64); ppoll (arm64)
    [ "$(ps -o stat= --ppid "$1" | grep -vc '^Z')" -eq 0 ]
}

# lab_d_run FOLDER: the doc's two commands of Lab D in FOLDER; the zombie count ps printed in
# $zombies, its whole output in $ps_out; then the input ends and the parent must reap them all.
lab_d_run() {
    local parent sleeper
    term_run "cd '$1'"
    term_run "$run_cmd"
    parent=$(sed -n 's/^\[1\] \([0-9]*\)$/\1/p' <<<"$out")
    [ -n "$parent" ] || { fail "no '[1] PID' after '$run_cmd'"; return 1; }
    # "a few seconds later": once the parent has read every line and no child runs
    eventually 60 zombies_settled "$parent" && sleep 0.2 && zombies_settled "$parent" ||
        fail "the parent did not settle within 60 s"
    term_run "$ps_cmd"
    out=$(ps_plain <<<"$out")
    ps_out=$out
    zombies=$(awk '$2 == "Z" { print $1 }' <<<"$out")
    # End the sleep, so the input ends: the final wait must reap every zombie.
    sleeper=$(pgrep -s "$bash_pid" -x sleep)
    [ -n "$sleeper" ] && kill "$sleeper"
    eventually 20 sh -c "! kill -0 $parent 2>/dev/null" || fail "primeproc did not end when its input ended"
    term_run ""
}

lab_d() {
    lab_start lab-d.patch || return
    section docs/exercises.md "Lab D"
    local make_cmd run_cmd ps_cmd changed unchanged
    make_cmd=$(cmd 1) run_cmd=$(cmd 2) ps_cmd=$(cmd 3)
    lab_make "$make_cmd" || return
    term_start || return
    lab_d_run "$work/lab" || return
    changed=$zombies
    local shown_ps=$ps_out
    claim 'Do the same with the unchanged program.'
    lab_d_run "$work" || return
    unchanged=$zombies
    local total
    total=$(eval "${run_cmd%%;*})" | wc -l)
    section docs/solutions.md "Lab D"
    same_command "solution D" "$run_cmd" "$(cmd 1)"
    same_command "solution D" "$ps_cmd" "$(cmd 2)"
    same "solution D, ps" "$(shown '$2' | masked)" "$(masked <<<"$shown_ps")"
    [ "$(shown '$2' | awk '{ print $1 }')" = "$total" ] || fail "solution D shows $(shown '$2'), not $total zombies"
    [ "${changed:-0}" -eq "$total" ] || fail "without reaping: ${changed:-0} zombies, not $total"
    claim 'With the unchanged program, far fewer: at most half as many'
    [ "${unchanged:-0}" -le $((total / 2)) ] ||
        fail "the unchanged program left ${unchanged:-0} zombies, more than half of $total"
}

# ---------------------------------------------------------------------------------------------
# The walkthrough
# ---------------------------------------------------------------------------------------------
walkthrough_1() {
    section docs/walkthrough.md 1
    local build_run
    build_run=$(cmd 1)
    term_start || return
    type_line "$build_run"
    term_expect '> ' 60 || return
    type_line 97
    term_expect '> ' || return
    type_line e
    term_expect $'\n$ ' || return
    screen | grep -qxF "97 is prime" || fail "core did not answer 97: $(screen)"
}

# per_process TRACE: the trace's lines grouped by process (the parent's first, in order), each
# with times and pids made alike, and the program's other lines last. Where the parent reaps
# the child depends on when the child ends (before the next read, or in the final wait): the
# parent's "waitpid()" and "waits for a child to end" lines are left out (the caller counts them).
per_process() {
    sed -E 's/[0-9]+\.[0-9]+/T/' | masked | grep -v -E 'parent N: (waitpid\(\) -> |waits for a child to end)' | awk '
        /^trace / { who = $3; if (!(who in seen)) { seen[who] = 1; order[++n] = who } lines[who] = lines[who] $0 "\n"; next }
        { rest = rest $0 "\n" }
        END { for (i = 1; i <= n; i++) printf "%s", lines[order[i]]; printf "%s", rest }' | sed '/^$/d'
}

walkthrough_3() {
    section docs/walkthrough.md 3
    local follow run
    follow=$(cmd 1)
    claim 'That is why the trace is in *causal* order'
    for run in $(seq 10); do
        in_work "$follow" 2>/dev/null
        if [ "$run" -le 3 ]; then
            same "walkthrough 3, the trace of 91 (each process's lines in order)" \
                "$(shown '$1' | per_process)" "$(printf '%s\n' "$err" "$out" | per_process)"
            [ "$(grep -c 'waitpid() -> child' <<<"$err")" -eq 1 ] || fail "not one waitpid() line: $err"
        fi
        # Whoever runs first after fork: never a child before its "fork() for", nor a reaping
        # before the child's _exit.
        printf '%s\n' "$err" | awk '/fork\(\) for / { f = NR } /: started by parent/ { c = NR }
                                    /child [0-9]+: _exit/ { e = NR } /waitpid\(\) -> child/ { w = NR }
                                    END { exit !(f < c && e < w) }' ||
            fail "the trace is not in causal order: $err"
    done
}

# svg_pieces FILE CLASS: "START END" in ms of every piece of that class, from their titles.
svg_pieces() {
    grep -o "<rect class=\"$2\"[^>]*><title>[^<]*" "$1" | sed 's/.*<title>//' |
        sed -n -E 's/.* ([0-9.]+)–([0-9.]+) ms.*/\1 \2/p'
}

walkthrough_8() {
    section docs/walkthrough.md 8
    local run_cmd
    run_cmd=$(cmd 1)
    in_work "$run_cmd"
    same "walkthrough 8, the last answer" "$(shown '$1' | tail -n 1)" "$(tail -n 1 <<<"$out")"
    same_set "walkthrough 8, the answers" "$(shown '$1')" "$out"
    [ "$(grep -c '<rect class="lane"' "$work/run.svg")" -eq 5 ] || fail "run.svg has not one lane per process"
    claim 'Four children compute side by side'
}

# answers_in_time SCREEN: the rule the prompt keeps: every answer comes after the line that typed
# its number, once, whole, and the answer to a small number (below 10^6: instant) comes before
# the second prompt after it, that is after at most one more Enter.
answers_in_time() {
    awk '
        /^> / { prompts++; n = substr($0, 3); if (n ~ /^[0-9]+$/) { typed[n] = prompts; order[++count] = n }; next }
        / is (not )?prime/ {
            n = $1
            if (!(n in typed)) { print "an answer to " n ", which was not typed (yet): " $0; next }
            if (n in answered) print "a second answer to " n
            answered[n] = 1
            if (n + 0 < 1000000 && prompts > typed[n] + 1) print "the answer to " n " came after " prompts - typed[n] " Enters"
            next
        }
        /./ && !/^primeproc: / { print "a line that is no answer: " $0 }
        END { for (i = 1; i <= count; i++) if (!(order[i] in answered)) print "no answer to " order[i] }'
}

readme_session() {
    section README.md "A session"
    local session de sorted keys run problems
    session=$(cmd 1) de=$(cmd 2) sorted=$(cmd 3)
    keys=$(shown '$1' | sed -n 's/^> //p')
    problems=$(shown '$1' | answers_in_time)
    [ -z "$problems" ] || fail "the session the README shows breaks the prompt's rule: $problems"
    claim 'after at most one more Enter'
    term_start || return
    for run in 1 2 3 4 5; do
        term_mark
        type_line "$session"
        term_expect '> ' || return
        while IFS= read -r key; do
            type_line "$key"
            [ "$key" = e ] && break
            term_expect '> ' || return
        done <<<"$keys"
        term_expect $'\n$ ' || return
        problems=$(since_mark | sed '1d; $d' | answers_in_time)
        [ -z "$problems" ] || fail "run $run: $problems"
        same "the README session's greeting" "$(shown '$1' | head -n 1)" "$(since_mark | sed -n 2p)"
    done
    in_work "$de"
    same_set "README, --lang de" "$(shown '$2')" "$out"
    in_work "$sorted"
    local n expected=""
    for n in $(cd "$work" && eval "${sorted%%|*}"); do expected+="$(verdict "$n")"$'\n'; done
    same "README, seq | primeproc | sort -n" "${expected%$'\n'}" "$out"
}

# ---------------------------------------------------------------------------------------------
# Exercises A and B of the walkthrough
# ---------------------------------------------------------------------------------------------
# second_child_of PARENT FIRST: PARENT's child that is not FIRST; false while there is none.
second_child_of() { children_of "$1" | grep -vx "$2"; }

exercise_a() {
    section docs/walkthrough.md "Exercise A"
    local run_cmd ps_cmd pipe_cmd first second parent run seconds="" firsts="" st measured=false
    run_cmd=$(cmd 1) ps_cmd=$(cmd 2) pipe_cmd=$(cmd 3)
    claim 'Only if it reached the lock before the parent showed the prompt has it printed already'
    claim 'Type `97` and run `ps` again'
    term_start || return
    # Three runs for the states; more, up to eight, until one where the first child stayed a
    # zombie, waited for a second as a person would before typing e: z.svg's zombie time.
    for run in 1 2 3 4 5 6 7 8; do
        term_mark
        type_line "$run_cmd"
        parent=$(term_job primeproc) || { fail "no primeproc"; return; }
        term_expect '> ' || return
        type_line "$(keys_of '$1' | head -n 1)"
        term_expect '> ' || return
        # The prompt is back: the child is forked, and reaped already if it ended before.
        first=$(children_of "$parent")
        [ -z "$first" ] || eventually 5 sh -c "ps -o stat= -p $first | grep -q -E '^(S|Z)'"
        in_work "${ps_cmd/\$(pgrep -o -x primeproc)/$parent}"
        out=$(ps_plain <<<"$out")
        st=$([ -z "$first" ] || ps_row_of "$out" "$first" | awk '{ print $2 }')
        case $st in
            S+) since_mark | grep -qx '91 is not prime.*' && fail "after 91: S+, but its answer is on the screen" ;;
            Z+ | '') since_mark | grep -q '^91 is not prime' || fail "after 91: ${st:-gone}, but no answer on the screen" ;;
            *) fail "after 91: $st" ;;
        esac
        type_line 97
        term_expect '> ' || return
        # The prompt is back: every reap before it is done, the second child forked.
        second=$(second_child_of "$parent" "${first:-none}")
        [ -z "$second" ] || eventually 5 sh -c "ps -o stat= -p $second | grep -q -E '^(S|Z)'"
        in_work "${ps_cmd/\$(pgrep -o -x primeproc)/$parent}"
        out=$(ps_plain <<<"$out")
        st=$([ -z "$first" ] || ps_row_of "$out" "$first" | awk '{ print $2 }')
        firsts+="${st:-gone} "
        case $st in
            Z+ | '') ;;   # a zombie; gone if it ended before the parent reaped, right after forking for 97
            *) fail "after 97: the first child is $st, neither Z+ nor gone" ;;
        esac
        st=$([ -z "$second" ] || ps_row_of "$out" "$second" | awk '{ print $2 }')
        seconds+="${st:-gone} "
        case $st in
            '') since_mark | grep -qx '97 is prime' || fail "the second child is gone but its answer is not on the screen" ;;
            Z+) since_mark | grep -qx '97 is prime' || fail "the second child is Z+ but its answer is not on the screen" ;;
            S+) since_mark | grep -qx '97 is prime' && fail "the second child is S+ but its answer is on the screen" ;;
            *) fail "after 97: the second child is $st" ;;
        esac
        measured=false
        if [ "$run" -ge 3 ] && [ -n "$first" ] && [ "$(ps_row_of "$out" "$first" | awk '{ print $2 }')" = Z+ ]; then
            sleep 1
            measured=true
        fi
        type_line e
        term_expect $'\n$ ' || return
        ! $measured || break
    done
    claim 'the first child is now `Z+ [primeproc] <defunct>`'
    claim 'A child that ended before the parent, right after forking for `97`, reaped is already gone.'
    claim 'the second is `Z+` too if it reached the lock before the parent showed the next prompt, or `S+`'
    $measured || { fail "in $run runs the first child never stayed a zombie after 97 ($firsts)"; return; }
    in_work "$pipe_cmd"
    local slow fast
    slow=$(svg_pieces "$work/z.svg" zombie | awk '{ d = $2 - $1; if (d > m) m = d } END { print m + 0 }')
    fast=$(svg_pieces "$work/z2.svg" zombie | awk '{ d = $2 - $1; if (d > m) m = d } END { print m + 0 }')
    [ "$(svg_pieces "$work/z.svg" zombie | wc -l)" -eq 2 ] || fail "z.svg has not two zombies"
    awk -v s="$slow" -v f="$fast" 'BEGIN { exit !(s >= 900 && f < s / 4) }' ||
        fail "z2.svg's longest zombie ($fast ms) is not far shorter than z.svg's ($slow ms)"
}

exercise_b() {
    section docs/walkthrough.md "Exercise B"
    local queue unlocked traced window prompt live n wait_from wait_to
    queue=$(cmd 1) unlocked=$(cmd 2) traced=$(cmd 3) window=$(cmd 4) prompt=$(cmd 5) live=$(cmd 6)
    n=$(cd "$work" && eval "${queue%%|*}" | wc -l)
    in_work "$queue"
    claim 'Holds never overlap'
    [ "$(svg_pieces "$work/queue.svg" hold | wc -l)" -eq "$n" ] || fail "queue.svg has not one hold per child"
    [ "$(svg_pieces "$work/queue.svg" wait | wc -l)" -eq "$n" ] || fail "queue.svg has not one wait per child"
    svg_pieces "$work/queue.svg" hold | sort -n |
        awk 'NR > 1 && $1 < end { print "holds overlap: " prev " and " $0 } { end = $2; prev = $0 }' | grep . &&
        fail "two children held the lock at once"
    in_work "$unlocked"
    grep -q -E '<rect class="(wait|hold)"' "$work/unlocked.svg" && fail "--unlocked: lock pieces in the picture"
    # The window: the doc's command with the times of one child's wait in this run's trace.
    claim 'take one child'"'"'s `waits for the lock` and `took the lock` times from it'
    in_work "$traced"
    wait_from=$(awk '/child [0-9]+: waits for the lock/ { print $2; exit }' "$work/queue.trace")
    wait_to=$(awk -v f="$wait_from" '/child [0-9]+: took the lock/ && $2 >= f { print $2; exit }' "$work/queue.trace")
    [ -n "$wait_from" ] && [ -n "$wait_to" ] || { fail "queue.trace has no wait for the lock"; return; }
    local from to
    from=$(awk -v t="$wait_from" 'BEGIN { printf "%.3f", t - 0.2 }')
    to=$(awk -v t="$wait_to" 'BEGIN { printf "%.3f", t + 0.3 }')
    in_work "$(sed -E "s/--from [0-9.]+ --to [0-9.]+/--from $from --to $to/" <<<"$window")"
    [ "$status" -eq 0 ] || fail "'$window' with $from and $to failed: $err"
    svg_pieces "$work/window.svg" wait | awk '{ found = 1 } END { exit !found }' ||
        fail "window.svg shows no wait for the lock"
    # At a terminal, with and without --live: does the parent hold the lock while it waits for input?
    term_start || return
    local cmd_line svg holds
    for cmd_line in "$prompt" "$live"; do
        type_line "$cmd_line"
        term_expect '> ' || return
        sleep 0.3
        type_line 97
        term_expect '> ' || return
        sleep 0.3
        type_line e
        term_expect $'\n$ ' || return
        svg=$work/$(sed -n 's/.*--timeline \([^ ]*\).*/\1/p' <<<"$cmd_line")
        holds=$(awk 'NR == FNR { hs[NR] = $1; he[NR] = $2; n = NR; next }
                     $2 - $1 > 200 { for (i = 1; i <= n; i++) if (hs[i] <= $1 && he[i] >= $2) held++ }
                     END { print held + 0 }' <(svg_pieces "$svg" parent-hold) <(svg_pieces "$svg" parent-input))
        case $cmd_line in
            *--live*) [ "$holds" -eq 0 ] || fail "--live: the parent held the lock while it waited for input" ;;
            *) [ "$holds" -ge 1 ] || fail "the parent did not hold the lock while it waited for input" ;;
        esac
    done
    claim 'does it still hold the lock while it waits for input?'
}

# walkthrough 6: the book's Python, checked with the python3 on PATH.
walkthrough_6() {
    section docs/walkthrough.md 6
    "$root/build-aux/ensure-package.sh" python3 python3 --version >/dev/null || { fail "no python3"; return; }
    local n c
    for n in 1 2 3; do
        c=$(cmd $n)
        in_work "$c"
        if [ "$n" -eq 3 ]; then
            # the semaphore's names are made up afresh each time
            same "walkthrough 6, '$c'" "$(shown "\$$n" | sed -E 's/sem\.[A-Za-z0-9_-]+/sem.X/g' | masked)" \
                "$(printf '%s\n' "$out" | sed -E 's/sem\.[A-Za-z0-9_-]+/sem.X/g' | masked)"
        else
            same "walkthrough 6, '$c'" "$(shown "\$$n")" "$out"
        fi
    done
    claim 'save this as `killed.py`'
    code 1 >"$work/killed.py"
    c=$(cmd 4)
    in_work "$c"
    same "walkthrough 6, '$c'" "$(shown '$4')" "$out"
}

# walkthrough 8: the session of the picture, typed with its pauses; the screen keeps the
# prompt's rule, and so does the screen the walkthrough shows.
walkthrough_8_prompt() {
    section docs/walkthrough.md "A session at a prompt"
    local run_cmd keys key problems
    run_cmd=$(cmd 1)
    keys=$(shown '$1' | sed -n 's/^> //p')
    problems=$(shown '$1' | answers_in_time)
    [ -z "$problems" ] || fail "the screen the walkthrough shows breaks the prompt's rule: $problems"
    claim 'typed with pauses of about half a second, and one of almost two seconds after `91`'
    term_start || return
    term_mark
    type_line "$run_cmd"
    term_expect '> ' || return
    while IFS= read -r key; do
        type_line "$key"
        [ "$key" = e ] && break
        term_expect '> ' || return
        if [ "$key" = 91 ]; then sleep 1.9; else sleep 0.5; fi
    done <<<"$keys"
    term_expect $'\n$ ' 30 || return
    problems=$(since_mark | sed '1d; $d' | answers_in_time)
    [ -z "$problems" ] || fail "$problems"
    [ -s "$work/timeline-prompt.svg" ] || fail "no timeline-prompt.svg"
}

lab_e() {
    lab_start lab-e.patch || return
    section docs/exercises.md "Lab E"
    local make_cmd run_cmd number answer run counts=""
    make_cmd=$(cmd 1) run_cmd=$(cmd 2) number=$(keys_of '$2')
    answer=$(verdict "$number")
    lab_make "$make_cmd" || return
    lab_terminal || return
    claim 'about three a second'
    for run in 1 2 3; do
        term_mark
        type_line "$run_cmd"
        term_expect '> ' || return
        type_line "$number"
        term_expect '> ' || return
        enters=0
        while ! since_mark | grep -qxF "$answer" && [ "$enters" -lt 40 ]; do
            sleep 0.3
            type_line ""
            enters=$((enters + 1))
            term_expect '> ' || return
        done
        counts+="$enters "
        type_line e
        term_expect $'\n$ ' || return
    done
    section docs/solutions.md "Lab E"
    claim 'the answer waits at least two Enters, often many'
    claim 'Nothing bounds the wait.'
    for run in $counts; do   # 40: not within 40 Enters (then "e" lets it print)
        [ "$run" -ge 2 ] || fail "with a plain lock the answer came after $run Enter (runs: $counts)"
    done
}
