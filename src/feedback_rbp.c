/*
 * feedback_rbp.c — the module itself: the magic block that lets PostgreSQL load the library.
 *
 * Each concept of the extension lives in its own file (likert.c, anonymity.c, ...); this file only
 * holds what belongs to the shared library as a whole.
 */
#include "postgres.h"
#include "fmgr.h"

#include "stats_guard.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Loading the library installs the planner hooks of stats_guard.c (red-team finding F13). */
void
_PG_init(void)
{
	stats_guard_install();
}
