# cnauthz - Docker Engine authorization plugin.
#
#   make                build plugin/cnauthz
#   make run            install what is missing, build, serve rules/ on the
#                       default socket in the foreground (RUN_ARGS: more
#                       serve options, e.g. RUN_ARGS=--verbose)
#   make check          install what is missing, build, run every test
#   make install        PREFIX (/usr/local) and DESTDIR honoured
#   make plugin         a Docker managed plugin in PLUGIN_DIR (build/plugin)
#   make demo           as root: the product end to end, then cleaned up
#   make SANITIZE=address,undefined   build with sanitizers

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
SYSCONFDIR ?= /etc
RULESDIR   ?= $(SYSCONFDIR)/cnauthz/rules
MODULEDIR  ?= $(PREFIX)/lib/cnauthz/modules
PLUGIN_DIR ?= build/plugin
# systemd units: /etc/systemd/system for a local install, the
# distribution's directory for PREFIX=/usr.
ifeq ($(PREFIX),/usr)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
else
UNITDIR    ?= $(SYSCONFDIR)/systemd/system
endif
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d
DOCDIR     ?= $(PREFIX)/share/doc/cnauthz

CC       ?= cc
PKGS     := libmicrohttpd jansson libssl libcrypto
# pkg-config is asked when a recipe first needs the flags, not when this
# file is read: on a fresh machine "make run" and "make check" install the
# packages (contrib/deps.sh) after make has read it, and flags read before
# that would be empty. Asked once, then kept; when pkg-config cannot find
# the packages the build stops saying so, rather than failing to link.
pkg_query = $(shell pkg-config $1 $(PKGS) 2>/dev/null || echo '!failed')
pkg_checked = $(if $(filter !failed,$1),$(error pkg-config finds no $(PKGS): \
	run "contrib/deps.sh build" as root (make run and make check do)),$1)
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg_checked,$(call pkg_query,--cflags)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(call pkg_checked,$(call pkg_query,--libs)))$(PKG_LIBS)
# What installs the packages (a test puts a stand-in here).
DEPS_SH ?= contrib/deps.sh
PROVE ?= prove

WARN := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wundef \
	-Wnull-dereference -Wimplicit-fallthrough -Wno-overlength-strings
CFLAGS ?= -O2 -g
CPPFLAGS += -Iplugin -Iplugin/modules -D_GNU_SOURCE -DCNAUTHZ_RULES_DIR='"$(RULESDIR)"' \
	-DCNAUTHZ_MODULE_DIR='"$(MODULEDIR)"'
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
ALL_LDFLAGS = $(LDFLAGS) -pthread -pie -Wl,-z,relro,-z,now

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# One .c/.h pair each (OVERVIEW says what each folder holds). main.c is the
# only file not in the library the unit tests link against.
LIB_SRCS := plugin/err.c plugin/text.c plugin/b64.c plugin/jscan.c plugin/fairq.c \
	plugin/route.c plugin/request.c plugin/identity.c plugin/idcache.c \
	plugin/body.c plugin/bodypath.c plugin/mediatype.c plugin/hostpath.c \
	plugin/fsperm.c plugin/hostcheck.c plugin/hostref.c \
	plugin/owners.c plugin/ownname.c plugin/ownstate.c plugin/objroute.c \
	plugin/imgref.c \
	plugin/learn.c plugin/dockerc.c plugin/follow.c plugin/ownfile.c plugin/tenancy.c \
	plugin/ownercli.c \
	plugin/rulelex.c plugin/rulefile.c plugin/stack.c plugin/rulesdir.c \
	plugin/rulesver.c plugin/gitlock.c \
	plugin/ruleset.c plugin/ruleset_holder.c plugin/lint.c plugin/decide.c \
	plugin/explain.c plugin/replay.c plugin/watch.c plugin/server.c \
	plugin/cli.c plugin/audit.c plugin/auditpairs.c \
	plugin/auditsink.c plugin/auditverify.c plugin/auditlink.c plugin/auditcut.c \
	plugin/options.c plugin/daemon.c \
	plugin/dlog.c plugin/auditshow.c plugin/metrics.c plugin/metricsrv.c \
	$(addprefix plugin/modules/,module.c guard.c view.c pattern.c cond.c \
		mod_permit.c mod_hostaccess.c mod_images.c mod_cert.c \
		mod_revoked.c mod_owner.c)
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB := plugin/libcnauthz.a

# The manual pages: man/NAME.SECTION.
MAN_PAGES := $(wildcard man/*.[1-9])

UNIT_SRCS := $(wildcard tests/unit/t-*.c)
UNIT_BINS := $(UNIT_SRCS:.c=.t)
TEST_OBJS := tests/unit/tap.o tests/unit/testlib.o
# Helpers the end-to-end tests run: a load generator, a syslog stand-in.
TEST_TOOLS := tests/tools/bin/authz-load tests/tools/bin/syslog-recv \
	tests/tools/bin/unixraw tests/tools/bin/sockact

.PHONY: all run check check-build unit e2e install uninstall clean deps deps-test tools
.SECONDARY: $(UNIT_SRCS:.c=.o) $(TEST_OBJS)

# Loadable modules shipped as examples (contrib/modules/).
MODULES := contrib/modules/timewindow.so

all: plugin/cnauthz $(MODULES)

contrib/modules/%.so: contrib/modules/%.c plugin/modules/cnauthz_module.h
	$(CC) -std=c11 $(WARN) $(CFLAGS) -fPIC -shared -Iplugin/modules -o $@ $<

# Every header, for the object rules: plugin/ and plugin/modules/.
HDRS := $(wildcard plugin/*.h plugin/modules/*.h)

plugin/%.o: plugin/%.c $(HDRS)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

# -Wcast-qual refuses a cast that drops const; tests/lint-casts.sh the
# detours around it (through uintptr_t, a pragma). Every build runs it.
CAST_STAMP := plugin/.casts-checked
$(CAST_STAMP): tests/lint-casts.sh $(shell find plugin -name '*.[ch]')
	@tests/lint-casts.sh plugin
	@touch $@

plugin/cnauthz: plugin/main.o $(LIB) | $(CAST_STAMP)
	$(CC) $(ALL_CFLAGS) -o $@ plugin/main.o $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

tests/unit/%.o: tests/unit/%.c tests/unit/tap.h tests/unit/testlib.h $(HDRS)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

tests/unit/%.t: tests/unit/%.o $(TEST_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TEST_OBJS) $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS)

tests/tools/bin/%: tests/tools/%.c
	@mkdir -p tests/tools/bin
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

tools: $(TEST_TOOLS)

# A Docker managed (v2) plugin: PLUGIN_DIR/rootfs and PLUGIN_DIR/config.json,
# for "docker plugin create cnauthz $(PLUGIN_DIR)", the modules built here
# in its module directory. As root. (PHONY: plugin/ is also a directory.)
.PHONY: plugin
plugin: all
	CNAUTHZ_MODULE_DIR=$(MODULEDIR) contrib/plugin/build.sh plugin/cnauthz $(PLUGIN_DIR) $(MODULES)

# cnauthz in front of a private TLS dockerd, shown with the docker CLI,
# then everything removed again. As root.
.PHONY: demo
demo: deps-test all
	contrib/demo.sh

# The README's first command. The build is a second make, started once
# the packages are in: nothing of it runs before them, even with -j.
run: deps
	@$(MAKE) --no-print-directory all
	plugin/cnauthz serve --rules rules $(RUN_ARGS)

deps:
	@$(DEPS_SH) build

deps-test:
	@$(DEPS_SH) test

# The README's second command: every test, unit and end to end, by prove.
# Then a second round under ASan+UBSan (tests/sanitize.sh); one e2e test
# runs the daemon under valgrind (tests/e2e/80-valgrind.t). Built, as for
# run, by a second make once the packages are in.
SANITIZE_ROUND ?= tests/sanitize.sh
check: deps-test
	@$(MAKE) --no-print-directory check-build
	$(PROVE) -v --timer $(UNIT_BINS) $(FUZZ_REPLAY_BINS) tests/e2e/*.t
	$(SANITIZE_ROUND)

check-build: all $(UNIT_BINS) $(TEST_TOOLS)

unit: all $(UNIT_BINS) $(TEST_TOOLS)
	prove $(UNIT_BINS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(RULESDIR) \
		$(DESTDIR)$(INCLUDEDIR)
	install -m 0755 plugin/cnauthz $(DESTDIR)$(BINDIR)/cnauthz
	install -m 0644 plugin/modules/cnauthz_module.h $(DESTDIR)$(INCLUDEDIR)/cnauthz_module.h
	@# man/NAME.N goes to MANDIR/manN/NAME.N.
	for m in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		install -d "$$d" && install -m 0644 "$$m" "$$d/" || exit 1; \
	done
	@# Rule files are configuration: an edited one is never overwritten.
	@# A name no rule file can have (an editor's leftover) is not installed:
	@# the CN rule, asked of the binary (a leading @ is a reserved name's).
	@for f in rules/*; do \
		n=$${f#rules/}; \
		if ! plugin/cnauthz check --name "$${n#@}" 2>/dev/null; then \
			echo "not installing rules/$$n: not a rule-file name"; \
			continue; \
		fi; \
		if [ -e "$(DESTDIR)$(RULESDIR)/$$n" ]; then \
			echo "keeping existing $(DESTDIR)$(RULESDIR)/$$n"; \
		else \
			install -m 0644 "$$f" "$(DESTDIR)$(RULESDIR)/$$n"; \
		fi; \
	done
	@# The units name the installed binary and rules; installed, not enabled.
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LOGROTATEDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(MODULEDIR)
	for u in cnauthz.service cnauthz.socket; do \
		sed -e 's|^ExecStart=/usr/local/sbin/cnauthz |ExecStart=$(BINDIR)/cnauthz |' \
		    -e 's|^ExecReload=/usr/local/sbin/cnauthz |ExecReload=$(BINDIR)/cnauthz |' \
		    -e 's| --rules /etc/cnauthz/rules | --rules $(RULESDIR) |' \
		    -e 's|^ReadOnlyPaths=/etc/cnauthz$$|ReadOnlyPaths=$(SYSCONFDIR)/cnauthz|' \
			contrib/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		mv -f $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	@if [ -e "$(DESTDIR)$(LOGROTATEDIR)/cnauthz" ]; then \
		echo "keeping existing $(DESTDIR)$(LOGROTATEDIR)/cnauthz"; \
	else \
		install -m 0644 contrib/logrotate/cnauthz $(DESTDIR)$(LOGROTATEDIR)/cnauthz; \
	fi
	@# dockerd's side is the administrator's to apply: examples only.
	install -m 0644 contrib/docker/cnauthz.conf contrib/docker/daemon.json \
		contrib/docker/daemon-json.conf $(DESTDIR)$(DOCDIR)/examples/
	install -m 0755 contrib/mkcerts.sh $(DESTDIR)$(DOCDIR)/examples/mkcerts.sh
	install -m 0644 $(MODULES) $(DESTDIR)$(MODULEDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cnauthz $(DESTDIR)$(INCLUDEDIR)/cnauthz_module.h \
		$(foreach m,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $m))/$(notdir $m))
	rm -f $(DESTDIR)$(UNITDIR)/cnauthz.service $(DESTDIR)$(UNITDIR)/cnauthz.socket
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(addprefix $(DESTDIR)$(MODULEDIR)/,$(notdir $(MODULES)))
	@echo "kept the configuration: $(DESTDIR)$(RULESDIR), $(DESTDIR)$(LOGROTATEDIR)/cnauthz"

clean:
	rm -f plugin/*.o plugin/modules/*.o $(LIB) plugin/cnauthz $(CAST_STAMP) tests/unit/*.o tests/unit/*.t $(TEST_TOOLS) $(MODULES)

# make bench: tests/bench/ (not part of make check)
include tests/bench/bench.mk

# make fuzz, make fuzz-replay (the replayers are part of make check)
include tests/fuzz/fuzz.mk
