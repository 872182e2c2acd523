# tests/bench/bench.mk - the benchmarks, included by the top Makefile.
#
#   make bench          build them and run tests/bench/run.sh, which prints
#                       the table and writes tests/bench/RESULTS.md
#   make bench-build    just build them (tests/bench/bin/)
#
# Not part of `make check`: the figures depend on the machine. Run without
# SANITIZE (decide-bench replaces malloc to count allocations).

BENCH_DIR  := tests/bench
BENCH_BIN  := $(BENCH_DIR)/bin
BENCH_PROGS := loadgen nullsrv decide-bench scale-bench tlsget
BENCH_BINS := $(addprefix $(BENCH_BIN)/,$(BENCH_PROGS))
BENCH_CFLAGS = $(ALL_CFLAGS) -Iplugin -I$(BENCH_DIR)

.PHONY: bench bench-build bench-clean

bench: all bench-build
	$(BENCH_DIR)/run.sh

bench-build: $(BENCH_BINS)

$(BENCH_BIN)/%.o: $(BENCH_DIR)/%.c $(BENCH_DIR)/corpus.h $(HDRS)
	@mkdir -p $(BENCH_BIN)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) -c -o $@ $<

$(BENCH_BIN)/loadgen $(BENCH_BIN)/decide-bench $(BENCH_BIN)/scale-bench: \
		$(BENCH_BIN)/%: $(BENCH_BIN)/%.o $(BENCH_BIN)/corpus.o $(LIB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_BIN)/corpus.o $(LIB) \
		$(ALL_LDFLAGS) $(if $(filter %/decide-bench,$@),-rdynamic) $(PKG_LIBS)

$(BENCH_BIN)/nullsrv: $(BENCH_BIN)/nullsrv.o $(BENCH_BIN)/corpus.o $(LIB)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_BIN)/corpus.o $(LIB) \
		$(ALL_LDFLAGS) $(PKG_LIBS)

$(BENCH_BIN)/tlsget: $(BENCH_BIN)/tlsget.o
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS)

bench-clean:
	rm -rf $(BENCH_BIN)

clean: bench-clean
