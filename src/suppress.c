/*
 * suppress.c — the suppression core of published reports (guarantee G3, doc/reports.md).
 *
 * rbp.publish_reports builds, for one authority and one period (a quarter with its months, or a
 * year with its four published quarters), the linear model of everything a reader will know
 * (suppress.h): every published count, every relation between counts. This file
 *
 *   1. audits the model: first by linear algebra (linear_audit: a suppressed variable that the
 *      equality relations added together fix exactly is known; pairs whose sum or difference
 *      they fix, and the unit rows of their reduced echelon form, are relations too), then by
 *      interval propagation:
 *      starting from what is visible or fixed, it narrows the interval of every suppressed
 *      variable through every relation at once until nothing changes (a bounded number of steps:
 *      stopping early only leaves intervals wider, which the caller never takes for safety since
 *      step 2 only stops when no interval is narrow);
 *   2. while some suppressed variable's interval holds fewer than min_width integers, hides one
 *      more variable for it — the cheapest visible one it shares a relation with (or, failing
 *      that, one a relation away through other hidden variables) — and audits again;
 *   3. reports what it could not protect (no variable left that may still change).
 *
 * Memory is the model of one run: a few arrays of the variables and the relation terms.
 * Hiding a cell's count hides its point counts with it (the points add up to the count), and a
 * point hides the other points of its cell.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "suppress.h"

PG_FUNCTION_INFO_V1(report_protect);
PG_FUNCTION_INFO_V1(report_bounds);

/* ---- reading the arguments ---------------------------------------------------------------- */

static void *
array_values(ArrayType *a, Oid elemtype, int expected, const char *what)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	void	   *out;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != elemtype)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be a one-dimensional array of %s", what, format_type_be(elemtype))));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	if (expected >= 0 && n != expected)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s has %d elements, expected %d", what, n, expected)));
	switch (elemtype)
	{
		case INT8OID:
			out = palloc(sizeof(int64) * (n + 1));
			break;
		case INT4OID:
			out = palloc(sizeof(int) * (n + 1));
			break;
		default:
			out = palloc(sizeof(bool) * (n + 1));
			break;
	}
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("%s must not contain NULL", what)));
		if (elemtype == INT8OID)
			((int64 *) out)[i] = DatumGetInt64(elems[i]);
		else if (elemtype == INT4OID)
			((int *) out)[i] = DatumGetInt32(elems[i]);
		else
			((bool *) out)[i] = DatumGetBool(elems[i]);
	}
	return out;
}

static int
array_length1(ArrayType *a)
{
	return ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
}

/*
 * Arguments (all arrays 1-based on the SQL side):
 *   0 value bigint[], 1 hidden boolean[], 2 frozen boolean[], 3 lower bigint[], 4 owner integer[]
 *   (per variable; owner 0 = none), 5 term_rel integer[], 6 term_var integer[], 7 term_coef
 *   integer[] (per term, grouped by relation 1..R in order), 8 rel_eq boolean[] (per relation).
 */
static void
read_model(FunctionCallInfo fcinfo, SuppressModel *m)
{
	int			nterms;
	int			nineq;
	int		   *term_rel;
	int		   *owner1;
	int			i;
	int			v;
	int			r;
	int		   *fill;

	for (i = 0; i <= 8; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("the model of a publication run must not be NULL")));
	m->nvars = array_length1(PG_GETARG_ARRAYTYPE_P(0));
	m->value = array_values(PG_GETARG_ARRAYTYPE_P(0), INT8OID, m->nvars, "value");
	m->hidden = array_values(PG_GETARG_ARRAYTYPE_P(1), BOOLOID, m->nvars, "hidden");
	m->frozen = array_values(PG_GETARG_ARRAYTYPE_P(2), BOOLOID, m->nvars, "frozen");
	m->lower = array_values(PG_GETARG_ARRAYTYPE_P(3), INT8OID, m->nvars, "lower");
	owner1 = array_values(PG_GETARG_ARRAYTYPE_P(4), INT4OID, m->nvars, "owner");
	nterms = array_length1(PG_GETARG_ARRAYTYPE_P(5));
	term_rel = array_values(PG_GETARG_ARRAYTYPE_P(5), INT4OID, nterms, "term_rel");
	m->term_var = array_values(PG_GETARG_ARRAYTYPE_P(6), INT4OID, nterms, "term_var");
	m->term_coef = array_values(PG_GETARG_ARRAYTYPE_P(7), INT4OID, nterms, "term_coef");
	m->nrels = array_length1(PG_GETARG_ARRAYTYPE_P(8));
	m->rel_eq = array_values(PG_GETARG_ARRAYTYPE_P(8), BOOLOID, m->nrels, "rel_eq");
	m->rel_const = NULL;

	m->owner = palloc(sizeof(int) * (m->nvars + 1));
	for (v = 0; v < m->nvars; v++)
	{
		if (owner1[v] < 0 || owner1[v] > m->nvars || owner1[v] == v + 1)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("owner of variable %d is out of range", v + 1)));
		m->owner[v] = owner1[v] - 1;
	}

	/* relations: terms are grouped by relation number, 1..nrels, non-decreasing */
	m->rel_start = palloc0(sizeof(int) * (m->nrels + 1));
	for (i = 0; i < nterms; i++)
	{
		if (term_rel[i] < 1 || term_rel[i] > m->nrels || (i > 0 && term_rel[i] < term_rel[i - 1]))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("term %d: relation numbers must run from 1 to %d in order", i + 1, m->nrels)));
		if (m->term_var[i] < 1 || m->term_var[i] > m->nvars)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("term %d: variable %d is out of range", i + 1, m->term_var[i])));
		if (m->term_coef[i] != 1 && m->term_coef[i] != -1)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("term %d: coefficients must be 1 or -1", i + 1)));
		m->term_var[i]--;
		m->rel_start[term_rel[i]]++;
	}
	for (r = 0; r < m->nrels; r++)
		m->rel_start[r + 1] += m->rel_start[r];

	/*
	 * Each inequality "sum >= 0" becomes the equality "sum - s = 0" with a slack s of its own: a
	 * hidden variable, at least 0, never published (frozen), demanding nothing. Propagation reads
	 * both forms alike; the linear algebra (linear_audit) can then add inequalities to equalities
	 * ("the year's people are at least the quarter's" with "the kinds add up to the total").
	 */
	m->nvars_given = m->nvars;
	nineq = 0;
	for (r = 0; r < m->nrels; r++)
		nineq += m->rel_eq[r] ? 0 : 1;
	if (nineq > 0)
	{
		int			n = m->nvars + nineq;
		int		   *tv = palloc(sizeof(int) * (nterms + nineq + 1));
		int		   *tc = palloc(sizeof(int) * (nterms + nineq + 1));
		int		   *rs = palloc0(sizeof(int) * (m->nrels + 1));
		int			k = 0,
					s = m->nvars;

		m->value = repalloc(m->value, sizeof(int64) * (n + 1));
		m->lower = repalloc(m->lower, sizeof(int64) * (n + 1));
		m->hidden = repalloc(m->hidden, sizeof(bool) * (n + 1));
		m->frozen = repalloc(m->frozen, sizeof(bool) * (n + 1));
		m->owner = repalloc(m->owner, sizeof(int) * (n + 1));
		for (r = 0; r < m->nrels; r++)
		{
			int64		sum = 0;

			for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
			{
				tv[k] = m->term_var[i];
				tc[k++] = m->term_coef[i];
				sum += m->term_coef[i] * m->value[m->term_var[i]];
			}
			if (!m->rel_eq[r])
			{
				m->value[s] = sum;
				m->lower[s] = 0;
				m->hidden[s] = true;
				m->frozen[s] = true;
				m->owner[s] = -1;
				tv[k] = s++;
				tc[k++] = -1;
				m->rel_eq[r] = true;
			}
			rs[r + 1] = k;
		}
		pfree(m->term_var);
		pfree(m->term_coef);
		pfree(m->rel_start);
		m->term_var = tv;
		m->term_coef = tc;
		m->rel_start = rs;
		m->nvars = n;
		nterms = k;
	}

	/* relations of each variable */
	m->var_rel_start = palloc0(sizeof(int) * (m->nvars + 1));
	for (i = 0; i < nterms; i++)
		m->var_rel_start[m->term_var[i] + 1]++;
	for (v = 0; v < m->nvars; v++)
		m->var_rel_start[v + 1] += m->var_rel_start[v];
	m->var_rels = palloc(sizeof(int) * (nterms + 1));
	fill = palloc0(sizeof(int) * (m->nvars + 1));
	for (r = 0; r < m->nrels; r++)
		for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
		{
			v = m->term_var[i];
			m->var_rels[m->var_rel_start[v] + fill[v]++] = r;
		}

	/* point variables of each count variable */
	m->children_start = palloc0(sizeof(int) * (m->nvars + 1));
	for (v = 0; v < m->nvars; v++)
		if (m->owner[v] >= 0)
			m->children_start[m->owner[v] + 1]++;
	for (v = 0; v < m->nvars; v++)
		m->children_start[v + 1] += m->children_start[v];
	m->children = palloc(sizeof(int) * (m->nvars + 1));
	memset(fill, 0, sizeof(int) * (m->nvars + 1));
	for (v = 0; v < m->nvars; v++)
		if (m->owner[v] >= 0)
			m->children[m->children_start[m->owner[v]] + fill[m->owner[v]]++] = v;
	pfree(fill);
	pfree(term_rel);
	pfree(owner1);
}

/* ---- the audit: interval propagation ------------------------------------------------------ */

/*
 * Narrows lb/ub of every variable through every relation until nothing changes (or a budget of
 * relation visits proportional to the model is spent: then the intervals are merely wider than
 * they could be). Visible variables, and those in fixed (when not NULL: see linear_audit), start
 * at their value.
 */
static int64
propagate(SuppressModel *m, int64 *lb, int64 *ub, const bool *fixed)
{
	int		   *queue = palloc(sizeof(int) * (m->nrels + 1));
	bool	   *queued = palloc(sizeof(bool) * (m->nrels + 1));
	int			head = 0;
	int			count = m->nrels;
	int64		budget = (int64) 200 * m->nrels + 100000;
	int64		visits = 0;
	int			v;
	int			r;

	for (v = 0; v < m->nvars; v++)
	{
		bool		known = !m->hidden[v] || (fixed != NULL && fixed[v]);

		lb[v] = known ? m->value[v] : m->lower[v];
		ub[v] = known ? m->value[v] : SUPPRESS_INF;
	}
	for (r = 0; r < m->nrels; r++)
	{
		queue[r] = r;
		queued[r] = true;
	}

	while (count > 0 && budget-- > 0)
	{
		int64		minsum,
					maxsum;
		int			mininf = 0,
					maxinf = 0;
		int			i;
		bool		changed = false;

		r = queue[head];
		minsum = maxsum = m->rel_const ? m->rel_const[r] : 0;
		head = (head + 1) % (m->nrels + 1);
		count--;
		visits++;
		queued[r] = false;
		if ((budget & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		/* bounds of each term c*x and of their sum */
		for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
		{
			v = m->term_var[i];
			if (m->term_coef[i] > 0)
			{
				minsum += lb[v];
				if (ub[v] >= SUPPRESS_INF)
					maxinf++;
				else
					maxsum += ub[v];
			}
			else
			{
				maxsum -= lb[v];
				if (ub[v] >= SUPPRESS_INF)
					mininf++;
				else
					minsum -= ub[v];
			}
		}

		/* 0 <= sum (<= 0 when an equality): each term against the others */
		for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
		{
			int64		tmin,
						tmax,
						omin,
						omax;
			bool		omin_inf,
						omax_inf;
			int64		newlo = -SUPPRESS_INF,
						newhi = SUPPRESS_INF;

			v = m->term_var[i];
			if (!m->hidden[v])
				continue;
			if (m->term_coef[i] > 0)
			{
				tmin = lb[v];
				tmax = ub[v];
				omin_inf = mininf > 0;
				omax_inf = maxinf - (tmax >= SUPPRESS_INF ? 1 : 0) > 0;
				omin = minsum - tmin;
				omax = tmax >= SUPPRESS_INF ? maxsum : maxsum - tmax;
			}
			else
			{
				tmin = ub[v] >= SUPPRESS_INF ? -SUPPRESS_INF : -ub[v];
				tmax = -lb[v];
				omin_inf = mininf - (tmin <= -SUPPRESS_INF ? 1 : 0) > 0;
				omax_inf = maxinf > 0;
				omin = tmin <= -SUPPRESS_INF ? minsum : minsum - tmin;
				omax = maxsum - tmax;
			}
			/* term >= -others_max; term <= -others_min for an equality */
			if (!omax_inf)
				newlo = -omax;
			if (m->rel_eq[r] && !omin_inf)
				newhi = -omin;
			if (m->term_coef[i] > 0)
			{
				if (newlo > lb[v])
				{
					lb[v] = newlo;
					changed = true;
				}
				if (newhi < ub[v])
				{
					ub[v] = newhi;
					changed = true;
				}
			}
			else
			{
				if (newhi < SUPPRESS_INF && -newhi > lb[v])
				{
					lb[v] = -newhi;
					changed = true;
				}
				if (newlo > -SUPPRESS_INF && -newlo < ub[v])
				{
					ub[v] = -newlo;
					changed = true;
				}
			}
			if (lb[v] > ub[v])
				ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
								errmsg("the model of the publication run is inconsistent at variable %d", v + 1),
								errdetail("Its true value %lld does not satisfy the relations built for it.",
										  (long long) m->value[v])));
			if (changed)
			{
				int			k;

				for (k = m->var_rel_start[v]; k < m->var_rel_start[v + 1]; k++)
				{
					int			r2 = m->var_rels[k];

					if (!queued[r2])
					{
						queued[r2] = true;
						queue[(head + count) % (m->nrels + 1)] = r2;
						count++;
					}
				}
				changed = false;
			}
		}
	}
	pfree(queue);
	pfree(queued);
	return visits;
}

/* ---- the audit: counts fixed by adding relations together ---------------------------------- */

/*
 * Interval propagation reads one relation at a time. A reader with a solver also adds and
 * subtracts relations: "authority = team A + team B + no team" and "team A + team B = 23" fix
 * "no team" although no single relation does. A hidden variable is fixed that way exactly when
 * its unit vector lies in the row space of the equality relations restricted to the hidden
 * variables (the visible ones are constants), i.e. when every solution of the homogeneous system
 * has 0 in its place. This finds those variables:
 *
 *   1. Gaussian elimination of the equality relations over the hidden columns, modulo the prime
 *      2^31 - 1 (exact: no rounding, no growth of coefficients), rows kept sparse;
 *   2. two random solutions of the homogeneous system (random values for the free columns,
 *      back-substitution for the pivots): a variable is fixed when both are 0 in its place.
 *
 * A fixed variable is 0 in every solution, so it is always found. A variable that is not fixed is
 * 0 in a random solution with probability 1/p, so it is wrongly called fixed with probability
 * below 1e-18 — and then only hidden for more than it needs. The generator is seeded with a
 * constant: the same model always gives the same publication.
 */
#define SUPPRESS_PRIME	UINT64CONST(2147483647)
#define SUPPRESS_DERIVED_TERMS	64	/* longer derived rows narrow little and cost much */

typedef struct SparseRow
{
	int			n;
	int		   *col;			/* increasing */
	uint64	   *val;			/* 1 .. p - 1; the first (the pivot) is 1 once stored */
} SparseRow;

static uint64
mod_pow(uint64 b, uint64 e)
{
	uint64		r = 1;

	b %= SUPPRESS_PRIME;
	while (e > 0)
	{
		if (e & 1)
			r = r * b % SUPPRESS_PRIME;
		b = b * b % SUPPRESS_PRIME;
		e >>= 1;
	}
	return r;
}

static uint64
next_random(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* a - f * b, merged into out (capacity a->n + b->n); returns out's length */
static int
row_axpy(const SparseRow *a, uint64 f, const SparseRow *b, int *ocol, uint64 *oval)
{
	int			i = 0,
				j = 0,
				n = 0;

	while (i < a->n || j < b->n)
	{
		if (j >= b->n || (i < a->n && a->col[i] < b->col[j]))
		{
			ocol[n] = a->col[i];
			oval[n++] = a->val[i++];
		}
		else if (i >= a->n || b->col[j] < a->col[i])
		{
			ocol[n] = b->col[j];
			oval[n++] = (SUPPRESS_PRIME - f * b->val[j++] % SUPPRESS_PRIME) % SUPPRESS_PRIME;
		}
		else
		{
			uint64		x = (a->val[i] + SUPPRESS_PRIME - f * b->val[j] % SUPPRESS_PRIME) % SUPPRESS_PRIME;

			if (x != 0)
			{
				ocol[n] = a->col[i];
				oval[n++] = x;
			}
			i++;
			j++;
		}
	}
	return n;
}

static void
grow(SparseRow *a, SparseRow *b, int *cap, int need)
{
	*cap = 2 * need;
	a->col = repalloc(a->col, sizeof(int) * *cap);
	a->val = repalloc(a->val, sizeof(uint64) * *cap);
	b->col = repalloc(b->col, sizeof(int) * *cap);
	b->val = repalloc(b->val, sizeof(uint64) * *cap);
}

/* a hidden variable's place in two random solutions, up to sign (see linear_audit, step 3) */
typedef struct NullKey
{
	uint64		k0,
				k1;
	int			var;
	int			sign;
} NullKey;

static int
nullkey_cmp(const void *a, const void *b)
{
	const NullKey *x = a;
	const NullKey *y = b;

	if (x->k0 != y->k0)
		return x->k0 < y->k0 ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	return x->var - y->var;
}

/*
 * Sets fixed[v] for every hidden variable a reader can compute exactly from the equality
 * relations added together (see above), and returns the model to propagate over: m's relations
 * and, for each row of the reduced echelon form of the equality relations (each pivot written in
 * the free columns alone) whose coefficients are all +1 or -1, that row as one more relation with
 * its constant — "no team + team A + team B = 24" where no single relation says it. The reduced
 * form is a budget of work: past it, fewer rows are derived (intervals only wider; a fixed
 * variable is found whatever the budget).
 */
static SuppressModel
linear_audit(SuppressModel *m, bool *fixed)
{
	int		   *pivot_row = palloc(sizeof(int) * (m->nvars + 1));
	SparseRow  *rows = palloc(sizeof(SparseRow) * (m->nrels + 1));
	int			nrows = 0;
	int			cap = 16;
	SparseRow	cur,
				tmp;
	uint64	   *x[2];
	uint64		state = UINT64CONST(0x5EED0F2B9);
	int			found = 0;
	SuppressModel ext;
	int		   *pair_var;
	int		   *pair_sign;
	int			npairs = 0;
	int			r,
				v,
				i,
				k;

	for (v = 0; v < m->nvars; v++)
	{
		pivot_row[v] = -1;
		fixed[v] = false;
	}
	cur.col = palloc(sizeof(int) * cap);
	cur.val = palloc(sizeof(uint64) * cap);
	tmp.col = palloc(sizeof(int) * cap);
	tmp.val = palloc(sizeof(uint64) * cap);

	/* 1. elimination, one relation at a time, against the rows kept so far */
	for (r = 0; r < m->nrels; r++)
	{
		int			i;

		if (!m->rel_eq[r])
			continue;
		if (m->rel_start[r + 1] - m->rel_start[r] > cap)
			grow(&cur, &tmp, &cap, m->rel_start[r + 1] - m->rel_start[r]);
		cur.n = 0;
		for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
			if (m->hidden[m->term_var[i]])
			{
				cur.col[cur.n] = m->term_var[i];
				cur.val[cur.n++] = m->term_coef[i] > 0 ? 1 : SUPPRESS_PRIME - 1;
			}
		/* the terms of a relation are grouped, not sorted: sort by column (insertion; short) */
		for (i = 1; i < cur.n; i++)
		{
			int			c = cur.col[i];
			uint64		w = cur.val[i];
			int			j = i - 1;

			while (j >= 0 && cur.col[j] > c)
			{
				cur.col[j + 1] = cur.col[j];
				cur.val[j + 1] = cur.val[j];
				j--;
			}
			cur.col[j + 1] = c;
			cur.val[j + 1] = w;
		}
		/* reduce the leading column by the stored row that has it as pivot, until none has */
		while (cur.n > 0 && pivot_row[cur.col[0]] >= 0)
		{
			SparseRow  *p = &rows[pivot_row[cur.col[0]]];
			SparseRow	swap;

			if (cur.n + p->n > cap)
				grow(&cur, &tmp, &cap, cur.n + p->n);
			tmp.n = row_axpy(&cur, cur.val[0], p, tmp.col, tmp.val);
			swap = cur;
			cur = tmp;
			tmp = swap;
		}
		if (cur.n == 0)
			continue;			/* a consequence of the relations kept already */
		/* a new row: its first column is its pivot, scaled to 1; rows stay in pivot order of discovery */
		{
			uint64		inv = mod_pow(cur.val[0], SUPPRESS_PRIME - 2);
			SparseRow  *n = &rows[nrows];

			n->n = cur.n;
			n->col = palloc(sizeof(int) * cur.n);
			n->val = palloc(sizeof(uint64) * cur.n);
			for (i = 0; i < cur.n; i++)
			{
				n->col[i] = cur.col[i];
				n->val[i] = cur.val[i] * inv % SUPPRESS_PRIME;
			}
			pivot_row[cur.col[0]] = nrows++;
		}
		if ((r & 255) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	/* 2. two random solutions: free columns at random, pivots from their rows, rightmost first */
	for (k = 0; k < 2; k++)
	{
		x[k] = palloc(sizeof(uint64) * (m->nvars + 1));
		for (v = m->nvars - 1; v >= 0; v--)
		{
			if (!m->hidden[v])
				x[k][v] = 0;
			else if (pivot_row[v] < 0)
				x[k][v] = 1 + next_random(&state) % (SUPPRESS_PRIME - 1);
			else
			{
				SparseRow  *p = &rows[pivot_row[v]];
				uint64		sum = 0;
				int			i;

				for (i = 1; i < p->n; i++)
					sum = (sum + p->val[i] * x[k][p->col[i]]) % SUPPRESS_PRIME;
				x[k][v] = (SUPPRESS_PRIME - sum) % SUPPRESS_PRIME;
			}
		}
	}
	for (v = 0; v < m->nvars; v++)
		if (m->hidden[v] && x[0][v] == 0 && x[1][v] == 0)
		{
			fixed[v] = true;
			found++;
		}

	/*
	 * 3. pairs: x_u + x_v (or x_u - x_v) is fixed exactly when every solution has opposite (or
	 * equal) values in their places — found, whatever the pivots, by sorting the variables on
	 * their two random values up to sign. Each such pair is one more relation.
	 */
	{
		NullKey    *keys = palloc(sizeof(NullKey) * (m->nvars + 1));
		int			nkeys = 0;

		for (v = 0; v < m->nvars; v++)
			if (m->hidden[v] && !fixed[v])
			{
				uint64		a = x[0][v],
							b = x[1][v],
							na = (SUPPRESS_PRIME - a) % SUPPRESS_PRIME,
							nb = (SUPPRESS_PRIME - b) % SUPPRESS_PRIME;
				bool		flip = na < a || (na == a && nb < b);

				keys[nkeys].k0 = flip ? na : a;
				keys[nkeys].k1 = flip ? nb : b;
				keys[nkeys].var = v;
				keys[nkeys++].sign = flip ? -1 : 1;
			}
		qsort(keys, nkeys, sizeof(NullKey), nullkey_cmp);
		pair_var = palloc(sizeof(int) * (2 * nkeys + 1));
		pair_sign = palloc(sizeof(int) * (2 * nkeys + 1));
		for (i = 1; i < nkeys; i++)
			if (keys[i].k0 == keys[i - 1].k0 && keys[i].k1 == keys[i - 1].k1)
			{
				/* sign_u * x_u - sign_v * x_v is 0 in every solution: fixed */
				pair_var[2 * npairs] = keys[i - 1].var;
				pair_sign[2 * npairs] = keys[i - 1].sign;
				pair_var[2 * npairs + 1] = keys[i].var;
				pair_sign[2 * npairs + 1] = -keys[i].sign;
				npairs++;
			}
		pfree(keys);
	}

	/* 4. reduce each row by the rows of its non-pivot columns, highest pivot first */
	{
		int		   *order = palloc(sizeof(int) * (nrows + 1));
		bool	   *derived = palloc0(sizeof(bool) * (nrows + 1));
		int64		work = 0;
		int64		budget = (int64) 4000000 + (int64) 200 * m->nrels;
		int			nderived = 0,
					dterms = 0;
		int			o;

		for (v = m->nvars - 1, o = 0; v >= 0; v--)
			if (m->hidden[v] && pivot_row[v] >= 0)
				order[o++] = pivot_row[v];
		for (o = 0; o < nrows && work < budget; o++)
		{
			SparseRow  *a = &rows[order[o]];
			int			pos = 1;

			while (pos < a->n && work < budget)
			{
				SparseRow  *b;

				if (pivot_row[a->col[pos]] < 0)
				{
					pos++;
					continue;
				}
				b = &rows[pivot_row[a->col[pos]]];
				if (a->n + b->n > cap)
					grow(&cur, &tmp, &cap, a->n + b->n);
				cur.n = row_axpy(a, a->val[pos], b, cur.col, cur.val);
				work += a->n + b->n;
				if ((work & 0xFFFF) < (uint64) (a->n + b->n))
					CHECK_FOR_INTERRUPTS();
				pfree(a->col);
				pfree(a->val);
				a->col = palloc(sizeof(int) * (cur.n + 1));
				a->val = palloc(sizeof(uint64) * (cur.n + 1));
				memcpy(a->col, cur.col, sizeof(int) * cur.n);
				memcpy(a->val, cur.val, sizeof(uint64) * cur.n);
				a->n = cur.n;
			}
			if (pos < a->n)
				break;			/* out of budget: this row and the rest are not derived */
			if (a->n >= 2 && a->n <= SUPPRESS_DERIVED_TERMS)
			{
				bool		unit = true;
				int			i;

				for (i = 0; i < a->n && unit; i++)
					unit = a->val[i] == 1 || a->val[i] == SUPPRESS_PRIME - 1;
				if (unit)
				{
					derived[order[o]] = true;
					nderived++;
					dterms += a->n;
				}
			}
			if ((o & 63) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		pfree(order);

		/* the model to propagate over: the relations of m, then the derived rows */
		ext = *m;
		ext.nrels = m->nrels + nderived + npairs;
		ext.rel_start = palloc(sizeof(int) * (ext.nrels + 1));
		ext.rel_eq = palloc(sizeof(bool) * (ext.nrels + 1));
		ext.rel_const = palloc0(sizeof(int64) * (ext.nrels + 1));
		k = m->rel_start[m->nrels];
		ext.term_var = palloc(sizeof(int) * (k + dterms + 2 * npairs + 1));
		ext.term_coef = palloc(sizeof(int) * (k + dterms + 2 * npairs + 1));
		memcpy(ext.rel_start, m->rel_start, sizeof(int) * (m->nrels + 1));
		memcpy(ext.rel_eq, m->rel_eq, sizeof(bool) * m->nrels);
		memcpy(ext.term_var, m->term_var, sizeof(int) * k);
		memcpy(ext.term_coef, m->term_coef, sizeof(int) * k);
		for (r = 0, o = m->nrels; r < nrows; r++)
		{
			SparseRow  *a = &rows[r];
			int64		c = 0;
			int			i;

			if (!derived[r])
				continue;
			for (i = 0; i < a->n; i++)
			{
				int			coef = a->val[i] == 1 ? 1 : -1;

				ext.term_var[k] = a->col[i];
				ext.term_coef[k++] = coef;
				c += coef * m->value[a->col[i]];
			}
			ext.rel_eq[o] = true;
			ext.rel_const[o] = -c;	/* the row holds for the true counts */
			ext.rel_start[++o] = k;
		}
		for (r = 0; r < npairs; r++)
		{
			int64		c = 0;

			for (i = 2 * r; i < 2 * r + 2; i++)
			{
				ext.term_var[k] = pair_var[i];
				ext.term_coef[k++] = pair_sign[i];
				c += pair_sign[i] * m->value[pair_var[i]];
			}
			ext.rel_eq[o] = true;
			ext.rel_const[o] = -c;
			ext.rel_start[++o] = k;
		}
		pfree(pair_var);
		pfree(pair_sign);
		ext.var_rel_start = palloc0(sizeof(int) * (ext.nvars + 1));
		for (i = 0; i < k; i++)
			ext.var_rel_start[ext.term_var[i] + 1]++;
		for (v = 0; v < ext.nvars; v++)
			ext.var_rel_start[v + 1] += ext.var_rel_start[v];
		ext.var_rels = palloc(sizeof(int) * (k + 1));
		{
			int		   *fill = palloc0(sizeof(int) * (ext.nvars + 1));

			for (r = 0; r < ext.nrels; r++)
				for (i = ext.rel_start[r]; i < ext.rel_start[r + 1]; i++)
					ext.var_rels[ext.var_rel_start[ext.term_var[i]] + fill[ext.term_var[i]]++] = r;
			pfree(fill);
		}
		pfree(derived);
		elog(DEBUG1, "linear_audit: %d rows, %d fixed, %d pairs, %d derived relations (%d terms), work %lld of %lld",
			 nrows, found, npairs, nderived, dterms, (long long) work, (long long) budget);
	}
	for (r = 0; r < nrows; r++)
	{
		pfree(rows[r].col);
		pfree(rows[r].val);
	}
	pfree(rows);
	pfree(pivot_row);
	pfree(cur.col);
	pfree(cur.val);
	pfree(tmp.col);
	pfree(tmp.val);
	pfree(x[0]);
	pfree(x[1]);
	return ext;
}

/* frees what linear_audit allocated for its model (not what it shares with m) */
static void
free_audit_model(SuppressModel *ext)
{
	pfree(ext->rel_start);
	pfree(ext->rel_eq);
	pfree(ext->rel_const);
	pfree(ext->term_var);
	pfree(ext->term_coef);
	pfree(ext->var_rel_start);
	pfree(ext->var_rels);
}

/* ---- secondary suppression ----------------------------------------------------------------- */

/*
 * Hides a variable. A cell's count hides its points; a point hides the other points of its cell
 * (a distribution is shown whole or not at all: otherwise a reader adding up columns of points
 * across cells learns what no single relation says).
 */
static void
hide(SuppressModel *m, int v)
{
	int			k;
	int			cell = m->owner[v] >= 0 ? m->owner[v] : v;

	if (!m->frozen[v])
		m->hidden[v] = true;
	for (k = m->children_start[cell]; k < m->children_start[cell + 1]; k++)
		if (!m->frozen[m->children[k]])
			m->hidden[m->children[k]] = true;
}

/*
 * The variable to hide for a narrow one: the cheapest (smallest value, then first) visible,
 * changeable variable sharing a relation with it; failing that, with a hidden variable that
 * shares a relation with it, and so on outwards. -1 when there is none.
 */
static int
candidate(SuppressModel *m, int start, int *seen_mark, int mark, int *frontier, int *next)
{
	int			nfront = 1,
				depth;

	frontier[0] = start;
	seen_mark[start] = mark;
	for (depth = 0; nfront > 0; depth++)
	{
		int			best = -1;
		int			nnext = 0;
		int			f;

		for (f = 0; f < nfront; f++)
		{
			int			u = frontier[f];
			int			k;

			for (k = m->var_rel_start[u]; k < m->var_rel_start[u + 1]; k++)
			{
				int			r = m->var_rels[k];
				int			i;

				for (i = m->rel_start[r]; i < m->rel_start[r + 1]; i++)
				{
					int			w = m->term_var[i];

					if (seen_mark[w] == mark)
						continue;
					seen_mark[w] = mark;
					if (!m->hidden[w] && !m->frozen[w])
					{
						if (best < 0 || m->value[w] < m->value[best] ||
							(m->value[w] == m->value[best] && w < best))
							best = w;
					}
					else if (m->hidden[w])
						next[nnext++] = w;
				}
			}
		}
		if (best >= 0)
			return best;
		memcpy(frontier, next, sizeof(int) * nnext);
		nfront = nnext;
	}
	return -1;
}

/*
 * rbp.report_protect(value, hidden, frozen, lower, owner, term_rel, term_var, term_coef, rel_eq,
 *                    demand, min_width, secondary) RETURNS smallint[]
 * demand: the variables that must keep min_width possible values when hidden (the published
 * counts; not the derived ones, which are never published and only carry relations).
 */
Datum
report_protect(PG_FUNCTION_ARGS)
{
	SuppressModel m;
	SuppressModel ext;
	bool	   *demand;
	int			min_width = PG_ARGISNULL(10) ? 3 : PG_GETARG_INT32(10);
	bool		secondary = PG_ARGISNULL(11) ? true : PG_GETARG_BOOL(11);
	int64	   *lb,
			   *ub;
	int		   *seen,
			   *frontier,
			   *next;
	bool	   *unprotected;
	bool	   *fixed;
	bool	   *was_hidden;
	bool	   *primary;
	int		   *touched;
	int			mark = 0;
	int			round;
	int64		visits = 0;
	Datum	   *out;
	int			v;

	read_model(fcinfo, &m);
	if (PG_ARGISNULL(9))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("the model of a publication run must not be NULL")));
	demand = array_values(PG_GETARG_ARRAYTYPE_P(9), BOOLOID, m.nvars_given, "demand");
	demand = repalloc(demand, sizeof(bool) * (m.nvars + 1));
	for (v = m.nvars_given; v < m.nvars; v++)
		demand[v] = false;		/* the slacks */
	if (min_width < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("min_width must be at least 1")));
	lb = palloc(sizeof(int64) * (m.nvars + 1));
	ub = palloc(sizeof(int64) * (m.nvars + 1));
	seen = palloc0(sizeof(int) * (m.nvars + 1));
	frontier = palloc(sizeof(int) * (m.nvars + 1));
	next = palloc(sizeof(int) * (m.nvars + 1));
	unprotected = palloc0(sizeof(bool) * (m.nvars + 1));
	fixed = palloc0(sizeof(bool) * (m.nvars + 1));
	was_hidden = palloc(sizeof(bool) * (m.nvars + 1));
	touched = palloc0(sizeof(int) * (m.nvars + 1));
	primary = palloc(sizeof(bool) * (m.nvars + 1));

	/* a hidden count hides its points; a hidden point the other points of its cell */
	for (v = 0; v < m.nvars; v++)
		if (m.hidden[v] && !m.frozen[v])
			hide(&m, v);
	memcpy(primary, m.hidden, sizeof(bool) * m.nvars);

	/*
	 * Each round: audit, then for each narrow variable hide one more — unless a variable hidden
	 * earlier in this round shares a relation with it (the next audit tells whether that was
	 * enough). Variables hidden during the round are judged by the next audit only.
	 */
	for (round = 1; secondary && round <= m.nvars + 1; round++)
	{
		int			hid = 0;
		bool		narrow = false;

		ext = linear_audit(&m, fixed);
		visits += propagate(&ext, lb, ub, fixed);
		free_audit_model(&ext);
		memcpy(was_hidden, m.hidden, sizeof(bool) * m.nvars);
		for (v = 0; v < m.nvars; v++)
			unprotected[v] = false;
		for (v = 0; v < m.nvars; v++)
		{
			int			w;
			int			k;

			if (!was_hidden[v] || !demand[v] || ub[v] - lb[v] >= min_width - 1)
				continue;
			/*
			 * Hidden only to protect others, yet known exactly from what is shown: it demands
			 * nothing (it is shown at the end, which tells a reader nothing new).
			 */
			if (!primary[v] && lb[v] == ub[v])
				continue;
			narrow = true;
			if (touched[v] == round)
				continue;
			w = candidate(&m, v, seen, ++mark, frontier, next);
			if (w < 0)
			{
				unprotected[v] = true;
				continue;
			}
			hide(&m, w);
			hid++;
			for (k = m.var_rel_start[w]; k < m.var_rel_start[w + 1]; k++)
			{
				int			r = m.var_rels[k];
				int			i;

				for (i = m.rel_start[r]; i < m.rel_start[r + 1]; i++)
					touched[m.term_var[i]] = round;
			}
		}
		if (!narrow || hid == 0)
			break;
		CHECK_FOR_INTERRUPTS();
	}

	/* secondary suppressions a reader can undo exactly are shown: they hide nothing */
	if (secondary)
	{
		ext = linear_audit(&m, fixed);
		visits += propagate(&ext, lb, ub, fixed);
		free_audit_model(&ext);
		for (v = 0; v < m.nvars; v++)
			if (m.hidden[v] && !primary[v] && !m.frozen[v] && lb[v] == ub[v])
				m.hidden[v] = false;
	}

	elog(DEBUG1, "report_protect: %d variables, %d relations, %d rounds, %lld relation visits",
		 m.nvars, m.nrels, round, (long long) visits);
	out = palloc(sizeof(Datum) * (m.nvars_given + 1));
	for (v = 0; v < m.nvars_given; v++)
		out[v] = Int16GetDatum(!m.hidden[v] ? SUPPRESS_VISIBLE
							   : unprotected[v] ? SUPPRESS_UNPROTECTED : SUPPRESS_HIDDEN);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, m.nvars_given, INT2OID, 2, true, TYPALIGN_SHORT));
}

/*
 * rbp.report_bounds(value, hidden, frozen, lower, owner, term_rel, term_var, term_coef, rel_eq)
 * RETURNS bigint[][]: for each variable {lower, upper} as interval propagation derives them
 * (upper NULL when unbounded). The audit alone, for tests and for the administrator.
 */
Datum
report_bounds(PG_FUNCTION_ARGS)
{
	SuppressModel m;
	SuppressModel ext;
	int64	   *lb,
			   *ub;
	bool	   *fixed;
	Datum	   *out;
	bool	   *nulls;
	int			dims[2];
	int			lbs[2] = {1, 1};
	int			v;

	read_model(fcinfo, &m);
	lb = palloc(sizeof(int64) * (m.nvars + 1));
	ub = palloc(sizeof(int64) * (m.nvars + 1));
	fixed = palloc(sizeof(bool) * (m.nvars + 1));
	ext = linear_audit(&m, fixed);
	propagate(&ext, lb, ub, fixed);
	out = palloc(sizeof(Datum) * (2 * m.nvars_given + 1));
	nulls = palloc0(sizeof(bool) * (2 * m.nvars_given + 1));
	for (v = 0; v < m.nvars_given; v++)
	{
		out[2 * v] = Int64GetDatum(lb[v]);
		out[2 * v + 1] = Int64GetDatum(ub[v] >= SUPPRESS_INF ? 0 : ub[v]);
		nulls[2 * v + 1] = ub[v] >= SUPPRESS_INF;
	}
	dims[0] = m.nvars_given;
	dims[1] = 2;
	if (m.nvars_given == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, nulls, 2, dims, lbs, INT8OID, 8, true, TYPALIGN_DOUBLE));
}
