# tests/fuzz/fuzz.mk - the fuzz harnesses (tests/fuzz/fuzz-*.c), included
# from the Makefile.
#
#   make fuzz          clang, -fsanitize=fuzzer,address,undefined: run every
#                      target for FUZZ_SECONDS (600) each, FUZZ_JOBS (2) at a
#                      time; new inputs go to tests/fuzz/bin/corpus/TARGET,
#                      findings to tests/fuzz/bin/artifacts/TARGET/
#   make fuzz-merge    add the new inputs that reach new edges to the
#                      committed corpus (libFuzzer -merge=1; FUZZ_MERGE_FLAGS,
#                      -use_counters=0, keeps it small: edges, not hit counts)
#   make fuzz-replay   the same harnesses built with gcc and
#                      -fsanitize=address,undefined as TAP replayers of
#                      tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET
#                      (make check runs them too)
#   make fuzz-seed     regenerate the seed corpus (tests/fuzz/seed.sh)
#   make fuzz-one FUZZ_TARGET=rulefile   run one target
#
# The daemon's own files (server, cli, options, daemon) are not linked
# in: no harness reaches them. The audit files are: auditlink's harness
# hashes records as audit.c does.

FUZZ_TARGETS := request route rulefile body pem auditshow owners dockerd rulesver auditcut gitlock auditlink
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 2
FUZZ_MERGE_FLAGS ?= -use_counters=0
FUZZ_CC ?= clang
FUZZ_REPLAY_CC ?= gcc
FUZZ_BIN := tests/fuzz/bin

FUZZ_LIB_SRCS := $(filter-out plugin/main.c plugin/server.c plugin/cli.c \
	plugin/options.c plugin/daemon.c,$(LIB_SRCS))
FUZZ_DEPS := $(HDRS) tests/fuzz/common.h tests/fuzz/fuzz.mk

FUZZ_CFLAGS = -std=c11 $(WARN) -O1 -g -fno-omit-frame-pointer \
	$(PKG_CFLAGS) -Iplugin -Itests/fuzz -DFUZZ_TOP='"$(CURDIR)"'
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all

# libFuzzer build (clang): lf/; replayer build (gcc): gcc/
FUZZ_LF_LIB := $(FUZZ_BIN)/lf/libcnauthz.a
FUZZ_GCC_LIB := $(FUZZ_BIN)/gcc/libcnauthz.a
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BIN)/fuzz-%)
FUZZ_REPLAY_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BIN)/replay-%.t)

.PHONY: fuzz fuzz-build fuzz-one fuzz-merge fuzz-replay fuzz-seed fuzz-clean deps-fuzz
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BIN)/lf/tests/fuzz/fuzz-%.o) \
	$(FUZZ_TARGETS:%=$(FUZZ_BIN)/gcc/tests/fuzz/fuzz-%.o) \
	$(FUZZ_TARGETS:%=$(FUZZ_BIN)/gcc/replay-%.o)

$(FUZZ_BIN)/lf/%.o: %.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  CLANG   $@"
	@$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BIN)/gcc/%.o: %.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  GCC     $@"
	@$(FUZZ_REPLAY_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_BIN)/gcc/replay-%.o: tests/fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	@echo "  GCC     $@"
	@$(FUZZ_REPLAY_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
		-DFUZZ_TARGET='"$*"' -c -o $@ $<

$(FUZZ_LF_LIB): $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BIN)/lf/%.o) $(FUZZ_BIN)/lf/tests/fuzz/common.o
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_GCC_LIB): $(FUZZ_LIB_SRCS:%.c=$(FUZZ_BIN)/gcc/%.o) $(FUZZ_BIN)/gcc/tests/fuzz/common.o
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_BIN)/fuzz-%: $(FUZZ_BIN)/lf/tests/fuzz/fuzz-%.o $(FUZZ_LF_LIB)
	@echo "  LINK    $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(FUZZ_BIN)/replay-%.t: $(FUZZ_BIN)/gcc/tests/fuzz/fuzz-%.o \
		$(FUZZ_BIN)/gcc/replay-%.o $(FUZZ_GCC_LIB)
	@echo "  LINK    $@"
	@$(FUZZ_REPLAY_CC) $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS)

deps-fuzz:
	@contrib/deps.sh fuzz

fuzz-build: $(FUZZ_BINS)
	@:

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@printf '%s\n' $(FUZZ_TARGETS) | \
		xargs -P $(FUZZ_JOBS) -I{} tests/fuzz/run.sh {} $(FUZZ_SECONDS)

fuzz-one: deps-fuzz $(FUZZ_BIN)/fuzz-$(FUZZ_TARGET)
	@tests/fuzz/run.sh $(FUZZ_TARGET) $(FUZZ_SECONDS)

fuzz-merge: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_BIN)/logs
	@for t in $(FUZZ_TARGETS); do \
		[ -d $(FUZZ_BIN)/corpus/$$t ] || continue; \
		before=$$(ls tests/fuzz/corpus/$$t | wc -l); \
		$(FUZZ_BIN)/fuzz-$$t -merge=1 $(FUZZ_MERGE_FLAGS) \
			-max_len=$${FUZZ_MAX_LEN:-16384} \
			tests/fuzz/corpus/$$t $(FUZZ_BIN)/corpus/$$t \
			>$(FUZZ_BIN)/logs/merge-$$t.log 2>&1 || exit 1; \
		echo "corpus/$$t: $$before -> $$(ls tests/fuzz/corpus/$$t | wc -l) files"; \
	done

fuzz-replay: $(FUZZ_REPLAY_BINS)
	prove $(FUZZ_REPLAY_BINS)

fuzz-seed:
	tests/fuzz/seed.sh
	tests/fuzz/seed-tenancy.sh

# make check replays every corpus and regression under the sanitizers.
check-build: $(FUZZ_REPLAY_BINS)

clean: fuzz-clean
fuzz-clean:
	rm -rf $(FUZZ_BIN)/lf $(FUZZ_BIN)/gcc $(FUZZ_BINS) $(FUZZ_REPLAY_BINS)
