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

RBP_INSTALL_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
RBP_INSTALL_PIECES = $(sort $(wildcard sql/install/*.sql))
DATA_built  = $(RBP_INSTALL_SCRIPT)
DATA        = $(filter-out $(RBP_INSTALL_SCRIPT),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress inputs: every sql/*.sql that is not an extension script, in name order.
REGRESS     = $(sort $(basename $(notdir $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=.

PG_CPPFLAGS = -Isrc
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

EXTRA_CLEAN = results regression.diffs regression.out

ifeq ($(origin PG_CONFIG),undefined)
PG_CONFIG := $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
endif
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

# The two commands of the README (and the benchmark) install what is missing first, so they
# must work before PGXS is available: they only call test/run.
.DEFAULT_GOAL := all
.PHONY: test demo bench
test:
	bash test/run test
demo:
	bash test/run demo
bench:
	bash test/run bench $(BENCH_ARGS)

ifneq ($(PGXS),)
include $(PGXS)
endif

$(RBP_INSTALL_SCRIPT): $(RBP_INSTALL_PIECES) $(EXTENSION).control
	@for f in $(RBP_INSTALL_PIECES); do echo "-- ==== $$f (generated file: edit the piece) ===="; cat "$$f"; echo; done > $@

all: $(RBP_INSTALL_SCRIPT)
