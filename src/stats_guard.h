/*
 * stats_guard.h — the planner-statistics guard of stats_guard.c, installed by _PG_init.
 */
#ifndef RBP_STATS_GUARD_H
#define RBP_STATS_GUARD_H

extern void stats_guard_install(void);

#endif
