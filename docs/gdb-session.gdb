# docs/gdb-session.gdb - the session of docs/gdb.md, as a gdb command file.
#   make debug
#   gdb -batch -x docs/gdb-session.gdb --args ./primeproc-debug -l en 91
# 'make test' runs exactly this and checks what gdb prints, so the guide cannot go stale.

set pagination off
# At fork(), go with the child, and keep the parent under gdb's control (stopped) too.
set follow-fork-mode child
set detach-on-fork off

# run_child: where the child starts its own story; smallest_factor: where it divides.
break run_child
break prime::smallest_factor
run

# Stopped in the child, at the top of run_child: its number.
info inferiors
print n.value
continue

# Stopped in smallest_factor: its number; three lines on, inside the book's loop, its bound
# (floor(sqrt(91)) = 9) and the wheel's first two candidates. finish runs to the end of the
# function and shows what it returns: the factor.
print n
next 3
print limit
print w
finish

# Let the child print and exit, then look at the parent: it was stopped at fork() all along.
delete
continue
info inferiors
inferior 1
bt 3
continue
