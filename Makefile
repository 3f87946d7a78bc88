# feedback_rbp — PGXS build.
#
# The version lives only in feedback_rbp.control (default_version); it is read from there.
# The install script of the current version is assembled from the pieces in sql/install/
# (run in name order), so that each concept keeps its SQL next to its name; released
# versions' full scripts and the upgrade scripts are committed as sql/feedback_rbp--*.sql.

EXTENSION   = feedback_rbp
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big  = $(EXTENSION)
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# Released versions: their full install scripts are committed (sql/feedback_rbp--X.sql) and never
# regenerated. Releasing a version = add it here and commit its script; the next version's upgrade
# script is assembled from the pieces in sql/upgrade/FROM--TO/ (one piece per concept, in name order).
RBP_RELEASED       = 0.1.0
RBP_PREVIOUS       = $(lastword $(RBP_RELEASED))
RBP_INSTALL_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
RBP_INSTALL_PIECES = $(sort $(wildcard sql/install/*.sql))
RBP_UPGRADE_SCRIPT = sql/$(EXTENSION)--$(RBP_PREVIOUS)--$(EXTVERSION).sql
RBP_UPGRADE_PIECES = $(sort $(wildcard sql/upgrade/$(RBP_PREVIOUS)--$(EXTVERSION)/*.sql))
ifneq ($(filter $(EXTVERSION),$(RBP_RELEASED)),)
$(error version $(EXTVERSION) is released and its script is frozen: raise default_version in $(EXTENSION).control)
endif
DATA_built  = $(RBP_INSTALL_SCRIPT) $(RBP_UPGRADE_SCRIPT)
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress inputs: every sql/*.sql that is not an extension script, in name order.
REGRESS     = $(sort $(basename $(notdir $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=.

# Races: isolation specs (test/isolation/specs/*.spec, expected outputs in test/isolation/expected/),
# run by `make installcheck` after pg_regress.
ISOLATION      = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/output_iso
EXTRA_CLEAN   += test/isolation/output_iso tmp_check


PG_CPPFLAGS = -Isrc
# No -Werror here, so that a packager's newer compiler is not stopped by a new warning: make test
# (test/run, hence CI) builds with COPT=-Werror, so no warning reaches main.
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

EXTRA_CLEAN += results regression.diffs regression.out

ifeq ($(origin PG_CONFIG),undefined)
PG_CONFIG := $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
endif
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

# The two commands of the README (and the benchmark) install what is missing first, so they
# must work before PGXS is available: they only call test/run.
.DEFAULT_GOAL := all
.PHONY: test demo bench mutate
test:
	bash test/run test
demo:
	bash test/run demo
bench:
	bash test/run bench $(BENCH_ARGS)
mutate:
	bash test/run mutate $(MUTATE_ARGS)

ifneq ($(PGXS),)
include $(PGXS)
endif

$(RBP_INSTALL_SCRIPT): $(RBP_INSTALL_PIECES) $(EXTENSION).control
	@for f in $(RBP_INSTALL_PIECES); do echo "-- ==== $$f (generated file: edit the piece) ===="; cat "$$f"; echo; done > $@

$(RBP_UPGRADE_SCRIPT): $(RBP_UPGRADE_PIECES) $(EXTENSION).control
	@printf '%s\n' '\echo Use "ALTER EXTENSION $(EXTENSION) UPDATE" to load this file. \quit' > $@
	@for f in $(RBP_UPGRADE_PIECES); do echo "-- ==== $$f (generated file: edit the piece) ===="; cat "$$f"; echo; done >> $@

all: $(RBP_INSTALL_SCRIPT) $(RBP_UPGRADE_SCRIPT)

# Crashes, restores and notifications: TAP tests with PostgreSQL::Test::Cluster (test/t/*.pl). Each
# starts its own throwaway clusters, so it must run as an unprivileged user (test/run sees to it).
.PHONY: tapcheck
tapcheck:
	$(prove_installcheck)
tapcheck: PROVE_TESTS = test/t/*.pl
