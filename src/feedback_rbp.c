/*
 * feedback_rbp.c — the module itself: the magic block that lets PostgreSQL load the library.
 *
 * Each concept of the extension lives in its own file (likert.c, anonymity.c, ...); this file only
 * holds what belongs to the shared library as a whole.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;
