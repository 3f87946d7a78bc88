/*
 * stats_guard.c — planner statistics never describe rows a query may not read (red-team finding F13).
 *
 * Under row-level security PostgreSQL still applies a column's statistics (pg_statistic: most common
 * values, histogram, distinct count) to a condition whose operator is leakproof (int4eq, texteq, ...:
 * statistic_proc_security_check() in selfuncs.c). Those statistics describe the whole table, every
 * authority sharing the database, so QA of one authority read another's per-worker feedback counts
 * and confirmed guessed free-text answers from the estimates of a plain EXPLAIN, without running
 * anything.
 *
 * The rule: for a relation of the schema rbp that a query reads under row-level security (its range
 * table entry carries security quals that are not simply true), the planner gets no column statistics
 * at all and falls back to its default estimates, which depend on the table's size only. That
 * includes authority_id, the column every policy compares: its statistics told each authority's
 * share of the rows, and they made the planner misjudge the policies themselves. A policy's
 * "authority_id = ANY (list known only at run time)" was estimated as a list of ten ids against the
 * few distinct authorities, i.e. nearly every row, so QA's plain SQL read every authority's
 * responses sequentially where a hand-written query for its authority uses response_authority_period
 * (issue 18). With the defaults the planner estimates a few per cent and takes that index. The same
 * entries get no extended statistics either, and the columns' average widths are the types' defaults
 * (the two hooks below the first two). Queries
 * that read every row (the owner inside the API's SECURITY DEFINER functions, superusers) keep their
 * statistics and their plans.
 *
 * The hooks are installed when the library is loaded (_PG_init in feedback_rbp.c). The planner loads it as soon as a query calls
 * one of the functions every row-level security policy of the extension calls (rbp.current_qa_authorities(),
 * rbp.directory_authorities(), rbp.acting_scope()): they name rbp.stats_guard_support as their planner
 * support function, so planning such a call loads this library before any selectivity is estimated.
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "fmgr.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/plancat.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/selfuncs.h"

#include "stats_guard.h"

static get_relation_stats_hook_type prev_relation_stats_hook = NULL;
static get_index_stats_hook_type prev_index_stats_hook = NULL;
static get_relation_info_hook_type prev_relation_info_hook = NULL;
static get_attavgwidth_hook_type prev_attavgwidth_hook = NULL;

/* Does row-level security (or a security barrier) restrict which rows of this entry the query reads? */
static bool
restricted_entry(RangeTblEntry *rte)
{
	ListCell   *lc;
	Oid			schema;

	if (rte == NULL || rte->rtekind != RTE_RELATION || rte->securityQuals == NIL)
		return false;
	schema = get_namespace_oid("rbp", true);
	if (!OidIsValid(schema) || get_rel_namespace(rte->relid) != schema)
		return false;
	/* A policy USING (true) is simplified to an empty list: it restricts nothing. */
	foreach(lc, rte->securityQuals)
	{
		if (lfirst(lc) != NIL)
			return true;
	}
	return false;
}

/* Hand the planner no statistics: it uses its defaults, as for a column never analysed. */
static bool
no_statistics(VariableStatData *vardata)
{
	vardata->statsTuple = NULL;
	vardata->freefunc = NULL;
	return true;
}

static bool
rbp_relation_stats_hook(PlannerInfo *root, RangeTblEntry *rte, AttrNumber attnum, VariableStatData *vardata)
{
	if (restricted_entry(rte))
		return no_statistics(vardata);
	if (prev_relation_stats_hook)
		return prev_relation_stats_hook(root, rte, attnum, vardata);
	return false;
}

static bool
rbp_index_stats_hook(PlannerInfo *root, Oid indexOid, AttrNumber indexattnum, VariableStatData *vardata)
{
	if (vardata->rel != NULL && vardata->rel->relid > 0)
	{
		if (restricted_entry(planner_rt_fetch(vardata->rel->relid, root)))
			return no_statistics(vardata);
	}
	else
	{
		/* btcostestimate asks without a relation: any restricted entry of the index's table counts. */
		Oid			table = IndexGetRelation(indexOid, true);
		int			i;

		for (i = 1; OidIsValid(table) && i < root->simple_rel_array_size; i++)
		{
			RangeTblEntry *rte = root->simple_rte_array[i];

			if (rte != NULL && rte->rtekind == RTE_RELATION && rte->relid == table && restricted_entry(rte))
				return no_statistics(vardata);
		}
	}
	if (prev_index_stats_hook)
		return prev_index_stats_hook(root, indexOid, indexattnum, vardata);
	return false;
}

/*
 * Extended statistics (CREATE STATISTICS: multi-column MCV lists, ndistinct, dependencies) describe
 * the whole table too, and PostgreSQL applies them under row-level security like a column's: an
 * administrator's statistics object on (worker_id, authority_id) gave QA another authority's per-worker
 * counts again (red-team review of issue 18). A restricted entry gets none.
 */
static void
rbp_relation_info_hook(PlannerInfo *root, Oid relationObjectId, bool inhparent, RelOptInfo *rel)
{
	if (prev_relation_info_hook)
		prev_relation_info_hook(root, relationObjectId, inhparent, rel);
	if (rel->relid > 0 && restricted_entry(planner_rt_fetch(rel->relid, root)))
		rel->statlist = NIL;
}

/*
 * A column's average width (pg_statistic.stawidth, "width=" in a plan) is asked for by table and column
 * only, without the query. It is withheld whenever row-level security applies to the current user
 * on a table of rbp (the same tables and readers as above, decided by check_enable_rls), and the
 * type's default width is given instead: the average length of other authorities' free-text answers
 * is no longer in QA's plans.
 */
static int32
rbp_attavgwidth_hook(Oid relid, AttrNumber attnum)
{
	Oid			schema = get_namespace_oid("rbp", true);

	if (attnum > 0 && OidIsValid(schema) && get_rel_namespace(relid) == schema
		&& check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
	{
		Oid			typid;
		int32		typmod;
		Oid			collid;

		get_atttypetypmodcoll(relid, attnum, &typid, &typmod, &collid);
		return get_typavgwidth(typid, typmod);
	}
	if (prev_attavgwidth_hook)
		return prev_attavgwidth_hook(relid, attnum);
	return 0;
}

void
stats_guard_install(void)
{
	prev_relation_stats_hook = get_relation_stats_hook;
	get_relation_stats_hook = rbp_relation_stats_hook;
	prev_index_stats_hook = get_index_stats_hook;
	get_index_stats_hook = rbp_index_stats_hook;
	prev_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = rbp_relation_info_hook;
	prev_attavgwidth_hook = get_attavgwidth_hook;
	get_attavgwidth_hook = rbp_attavgwidth_hook;
}

/*
 * rbp.stats_guard_support(internal): the planner support function of the identity functions the
 * policies call. Calling it is what matters (the planner loads this library, and _PG_init installs
 * the hooks above, before it estimates anything); it never simplifies, estimates or rewrites a call.
 */
PG_FUNCTION_INFO_V1(stats_guard_support);
Datum
stats_guard_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(NULL);
}
