# bench/bench.mk - 'make bench', included by the Makefile: the benchmarks of docs/performance.md
# (not part of make test).

.PHONY: bench

# Benchmarks: the floor program (bench/floor.c) linked statically, with the C library dynamic, and
# the same bound at start (-z now, as the default primeproc); primeproc linked three ways (the
# first is the default, LINK), each measured against the floor linked the same way; the driver
# (bench/bench.cpp). Arithmetic and memory use the first.
BENCH      := $(OUT)/bench
BENCH_LINK_default := $(LINK)
BENCH_LINK_dynamic :=
BENCH_LINK_static  := -static
BENCH_FLOOR_default := dynamic-now
BENCH_FLOOR_dynamic := dynamic
BENCH_FLOOR_static  := static
BENCH_BUILDS := default dynamic static
$(BENCH)/floor-static: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -static -o $@ $<
$(BENCH)/floor-dynamic: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -o $@ $<
$(BENCH)/floor-dynamic-now: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -Wl,-z,now -o $@ $<
$(BENCH)/bench: bench/bench.cpp bench/common.hpp prime.hpp support/fast_remainder.hpp support/parse.hpp support/messages.hpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) -O2 -g -o $@ bench/bench.cpp
$(BENCH)/primeproc-%: $(PROGRAM_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(BENCH_LINK_$*) -o $@ $(PROGRAM_OBJS) $(LDLIBS)
# A thread, a fork and a spawn per number (bench/models.cpp): the docs/ programs built as their
# usage lines say, beside the dynamic floor, and the book's program in Python (bench/book.py)
# when there is a python3.
BENCH_MODELS := $(BENCH)/model-threads $(BENCH)/model-core $(BENCH)/model-spawn $(BENCH)/model-core-c
BENCH_PYTHON ?= $(firstword $(wildcard /usr/bin/python3) $(shell command -v python3))
$(BENCH)/model-%: docs/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -O2 -pthread -o $@ $<
$(BENCH)/model-core-c: docs/core.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -pthread -o $@ $<
$(BENCH)/models: bench/models.cpp bench/common.hpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) -O2 -g -o $@ bench/models.cpp
bench: $(BENCH)/floor-static $(BENCH)/floor-dynamic $(BENCH)/floor-dynamic-now $(BENCH)/bench $(BENCH_BUILDS:%=$(BENCH)/primeproc-%) \
       $(BENCH)/models $(BENCH_MODELS)
	@{ $(BENCH)/bench --dir $(BENCH) $(foreach b,$(BENCH_BUILDS),--pair \
	    "$(b)=$(BENCH)/primeproc-$(b),$(BENCH)/floor-$(BENCH_FLOOR_$(b))"); \
	    echo $$? >$(BENCH)/status; \
	    $(BENCH)/models --dir $(BENCH) $(if $(BENCH_PYTHON),--python $(BENCH_PYTHON)) || echo 1 >$(BENCH)/status; \
	    } | tee $(BENCH)/results.md; exit "$$(cat $(BENCH)/status)"

