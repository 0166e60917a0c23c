# docs/gdb-session.gdb - the session of docs/gdb.md, as a gdb command file.
#   make debug
#   gdb -batch -x docs/gdb-session.gdb --args ./primeproc-debug -l en 91
# 'make test' runs exactly this and checks what gdb prints, so the guide cannot go stale.

set pagination off
# At fork(), go with the child, and keep the parent under gdb's control (stopped) too.
set follow-fork-mode child
set detach-on-fork off

# The child's work: its number arrives in test_and_print, its divisor in prime::verdict.
break test_and_print
break prime::verdict
run

# Stopped in the child, at the top of test_and_print.
info inferiors
print n.value
continue

# Stopped in prime::verdict: the smallest factor the child found.
print factor
bt 3

# Let the child print and exit, then look at the parent: it was stopped at fork() all along.
delete
continue
info inferiors
inferior 1
continue
