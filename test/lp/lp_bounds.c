/*
 * lp_bounds.c — the exact audit's solver driver (test/report_lp_audit.sh).
 *
 * Reads a programme in CPLEX LP format (the whole model of a publication as a reader knows it; the
 * unknown counts are declared General, i.e. integers) and a list of column names on standard
 * input. For each column it decides EXACTLY, over the integer solutions of the programme, whether
 * the column can take at least three values, and prints
 *     name verdict lower upper lp_lower lp_upper
 *   verdict  "wide" (at least three integer values), "narrow" (one or two: a disclosure), or
 *            "error"/"missing";
 *   lower, upper  for "narrow" the exact integer range; for "wide" the least and greatest values
 *            seen in integer solutions found (the true range is at least that wide);
 *   lp_lower, lp_upper  the range over the LP relaxation (GLPK's simplex), rounded inwards, for
 *            the record ("inf"/"-inf" when unbounded): it can be wider than the integer range.
 *
 * How, without optimising over integers (branch and bound for a minimum can run for hours on a
 * model whose relaxation is loose, when only the width matters):
 *   1. one integer solution of the whole programme (glp_intopt with a zero objective stops at the
 *      first): every column's value in it is a value it can take;
 *   2. each column keeps the least and greatest value seen in any integer solution found so far;
 *      while they differ by less than two, it asks for an integer solution with the column at
 *      most (least seen - 1), then at least (greatest seen + 1) — pure feasibility questions,
 *      first put to the LP relaxation (infeasible there: infeasible over integers), then to
 *      branch and bound with a zero objective. Each solution found widens every column's range.
 *   3. both questions answered no: the range seen is the exact integer range, and it is narrow.
 * Declares the few GLPK functions it uses itself, so that it needs only the library of Debian's
 * glpk-utils (libglpk40), not its headers; glp_intopt runs with its default parameters (no
 * presolver), so each branch and bound starts from the optimal basis the simplex just found.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct glp_prob glp_prob;
extern glp_prob *glp_create_prob(void);
extern int	glp_read_lp(glp_prob *P, const void *parm, const char *fname);
extern void glp_create_index(glp_prob *P);
extern int	glp_find_col(glp_prob *P, const char *name);
extern int	glp_get_num_cols(glp_prob *P);
extern void glp_set_obj_coef(glp_prob *P, int j, double coef);
extern void glp_set_obj_dir(glp_prob *P, int dir);
extern int	glp_simplex(glp_prob *P, const void *parm);
extern int	glp_get_status(glp_prob *P);
extern double glp_get_obj_val(glp_prob *P);
extern int	glp_mip_status(glp_prob *P);
extern double glp_mip_col_val(glp_prob *P, int j);
extern void glp_std_basis(glp_prob *P);
extern int	glp_get_col_type(glp_prob *P, int j);
extern double glp_get_col_lb(glp_prob *P, int j);
extern double glp_get_col_ub(glp_prob *P, int j);
extern void glp_set_col_bnds(glp_prob *P, int j, int type, double lb, double ub);
extern int	glp_term_out(int flag);

/*
 * GLPK's branch-and-bound parameters (glp_iocp of glpk.h, GLPK 4.65 to 5.0), declared here in the
 * same order since the header is not installed; main() checks the defaults glp_init_iocp writes
 * before trusting the layout. Only msg_lev, bt_tech and tm_lim are changed.
 */
typedef struct
{
	int			msg_lev,
				br_tech,
				bt_tech;
	double		tol_int,
				tol_obj;
	int			tm_lim,
				out_frq,
				out_dly;
	void	   *cb_func,
			   *cb_info;
	int			cb_size,
				pp_tech;
	double		mip_gap;
	int			mir_cuts,
				gmi_cuts,
				cov_cuts,
				clq_cuts,
				presolve,
				binarize,
				fp_heur,
				ps_heur,
				ps_tm_lim,
				sr_heur,
				use_sol;
	const char *save_sol;
	int			alien,
				flip;
	double		reserved[23 + 16];	/* GLPK's 23, and room to spare */
} iocp_t;
extern void glp_init_iocp(iocp_t *parm);
extern int	glp_intopt(glp_prob *P, const iocp_t *parm);

#define GLP_MIN 1
#define GLP_MAX 2
#define GLP_FEAS 2
#define GLP_NOFEAS 4
#define GLP_OPT 5
#define GLP_UNBND 6
#define GLP_FR 1
#define GLP_LO 2
#define GLP_UP 3
#define GLP_DB 4
#define GLP_FX 5

static glp_prob *p;
static iocp_t iocp;
static int	ncols;
static double *seen_lo,
		   *seen_hi;
static long questions,
			branchings;

/* the simplex from the current basis, or from the standard basis if that one is unusable */
static int
simplex(void)
{
	if (glp_simplex(p, NULL) == 0)
		return 0;
	glp_std_basis(p);
	return glp_simplex(p, NULL);
}

/*
 * Is there an integer solution with column j in [lo, hi] (either may be +-HUGE_VAL)? 1 yes (and
 * every column's seen range takes in its values), 0 no, -1 the solver failed.
 */
static int
integer_solution(int j, double lo, double hi)
{
	int			type = glp_get_col_type(p, j);
	double		olo = glp_get_col_lb(p, j),
				ohi = glp_get_col_ub(p, j);
	double		nlo = lo,
				nhi = hi;
	int			result = -1;
	int			k;

	if (type == GLP_LO || type == GLP_DB || type == GLP_FX)
		nlo = fmax(nlo, olo);
	if (type == GLP_UP || type == GLP_DB || type == GLP_FX)
		nhi = fmin(nhi, ohi);
	if (nlo > nhi)
		return 0;
	questions++;
	glp_set_col_bnds(p, j, isinf(nlo) && isinf(nhi) ? GLP_FR : isinf(nhi) ? GLP_LO : isinf(nlo) ? GLP_UP
					 : nlo == nhi ? GLP_FX : GLP_DB, isinf(nlo) ? 0 : nlo, isinf(nhi) ? 0 : nhi);
	/*
	 * Aim at the bound asked for: the relaxation's optimum then sits on it, usually at an integer
	 * vertex, where branch and bound ends at once (with a zero objective it starts from whatever
	 * vertex the last question left, often fractional, and can dive for minutes). Any integer
	 * solution answers the question: mip_gap (below) ends the search at the first one.
	 */
	if (!isinf(nlo) || !isinf(nhi))
	{
		glp_set_obj_coef(p, j, 1.0);
		glp_set_obj_dir(p, isinf(nhi) ? GLP_MIN : GLP_MAX);
	}
	/* from the standard basis, as glpsol would: a basis left by an earlier question can be a
	 * fractional vertex from which branch and bound wanders */
	glp_std_basis(p);
	if (simplex() == 0)
	{
		int			st = glp_get_status(p);

		if (st == GLP_NOFEAS)
			result = 0;
		else if (st == GLP_OPT && (branchings++, glp_intopt(p, &iocp)) == 0)
		{
			st = glp_mip_status(p);
			if (st == GLP_OPT || st == GLP_FEAS)
			{
				result = 1;
				for (k = 1; k <= ncols; k++)
				{
					double		v = floor(glp_mip_col_val(p, k) + 0.5);

					if (v < seen_lo[k])
						seen_lo[k] = v;
					if (v > seen_hi[k])
						seen_hi[k] = v;
				}
			}
			else if (st == GLP_NOFEAS)
				result = 0;
		}
	}
	glp_set_col_bnds(p, j, type, olo, ohi);
	glp_set_obj_coef(p, j, 0.0);
	glp_set_obj_dir(p, GLP_MIN);
	return result;
}

/* rounds integer solutions towards random corners (see main) */
static void
diversify(int rounds)
{
	int		   *type = malloc(sizeof(int) * (ncols + 1));
	double	   *lb = malloc(sizeof(double) * (ncols + 1)),
			   *ub = malloc(sizeof(double) * (ncols + 1));
	int			k,
				j;

	srand(20261203);
	for (j = 1; j <= ncols; j++)
	{
		type[j] = glp_get_col_type(p, j);
		lb[j] = glp_get_col_lb(p, j);
		ub[j] = glp_get_col_ub(p, j);
	}
	for (k = 0; k < rounds; k++)
	{
		for (j = 1; j <= ncols; j++)
		{
			if (type[j] == GLP_FX)
				continue;
			glp_set_obj_coef(p, j, (rand() & 1) ? 1.0 : -1.0);
			if (type[j] == GLP_LO)
				glp_set_col_bnds(p, j, GLP_DB, lb[j], lb[j] + 1000);
		}
		glp_std_basis(p);
		if (simplex() == 0 && glp_get_status(p) == GLP_OPT && glp_intopt(p, &iocp) == 0 &&
			(glp_mip_status(p) == GLP_OPT || glp_mip_status(p) == GLP_FEAS))
			for (j = 1; j <= ncols; j++)
			{
				double		v = floor(glp_mip_col_val(p, j) + 0.5);

				if (v < seen_lo[j])
					seen_lo[j] = v;
				if (v > seen_hi[j])
					seen_hi[j] = v;
			}
	}
	for (j = 1; j <= ncols; j++)
	{
		glp_set_obj_coef(p, j, 0.0);
		glp_set_col_bnds(p, j, type[j], lb[j], ub[j]);
	}
	free(type);
	free(lb);
	free(ub);
}

/* LP relaxation: least (dir GLP_MIN) or greatest value of column j, rounded inwards */
static void
lp_bound(int j, int dir, char *out, size_t len)
{
	glp_set_obj_coef(p, j, 1.0);
	glp_set_obj_dir(p, dir);
	if (simplex() != 0)
		snprintf(out, len, "error");
	else if (glp_get_status(p) == GLP_UNBND)
		snprintf(out, len, dir == GLP_MIN ? "-inf" : "inf");
	else if (glp_get_status(p) == GLP_OPT)
		snprintf(out, len, "%.0f", dir == GLP_MIN ? ceil(glp_get_obj_val(p) - 1e-6) : floor(glp_get_obj_val(p) + 1e-6));
	else
		snprintf(out, len, "error");
	glp_set_obj_coef(p, j, 0.0);
	glp_set_obj_dir(p, GLP_MIN);
}

int
main(int argc, char **argv)
{
	char		name[256];
	int			j;

	if (argc != 2)
	{
		fprintf(stderr, "usage: lp_bounds MODEL.lp < columns\n");
		return 2;
	}
	glp_term_out(0);
	glp_init_iocp(&iocp);
	if (iocp.msg_lev != 3 || iocp.br_tech != 4 || iocp.bt_tech != 3 || iocp.tol_int != 1e-5 ||
		iocp.out_frq != 5000 || iocp.pp_tech != 2 || iocp.ps_tm_lim != 60000 || iocp.sr_heur != 1)
	{
		fprintf(stderr, "lp_bounds: this GLPK's glp_iocp is not laid out as declared here\n");
		return 2;
	}
	iocp.msg_lev = 0;			/* quiet */
	iocp.bt_tech = 1;			/* depth first: a feasibility question wants a solution soon */
	iocp.tm_lim = 60000;		/* a question unanswered in a minute is an error, never a pass */
	iocp.mip_gap = 1e12;		/* the first integer solution found answers a feasibility question */
	if (getenv("LPB_FP"))
		iocp.fp_heur = 1;
	p = glp_create_prob();
	if (glp_read_lp(p, NULL, argv[1]) != 0)
	{
		fprintf(stderr, "lp_bounds: cannot read %s\n", argv[1]);
		return 2;
	}
	glp_create_index(p);
	ncols = glp_get_num_cols(p);
	seen_lo = malloc(sizeof(double) * (ncols + 1));
	seen_hi = malloc(sizeof(double) * (ncols + 1));
	for (j = 1; j <= ncols; j++)
	{
		glp_set_obj_coef(p, j, 0.0);
		seen_lo[j] = HUGE_VAL;
		seen_hi[j] = -HUGE_VAL;
	}
	/*
	 * 1. one integer solution: the true counts are one, so there is one — but branch and bound
	 * may not find it in its time (rounding relations over many unknown counts). Then only the
	 * LP relaxation speaks: a column whose relaxed range holds fewer than three integers is
	 * narrow (the integer range lies inside it); any other is an error, never a pass.
	 */
	if (ncols == 0)
		return 3;
	if (integer_solution(1, -HUGE_VAL, HUGE_VAL) != 1)
	{
		fprintf(stderr, "lp_bounds: no integer solution of %s found: judging by the LP relaxation alone\n", argv[1]);
		while (scanf("%255s", name) == 1)
		{
			int			col = glp_find_col(p, name);
			char		lplo[64],
						lphi[64];

			if (col == 0)
			{
				printf("%s missing missing missing missing missing\n", name);
				continue;
			}
			lp_bound(col, GLP_MIN, lplo, sizeof(lplo));
			lp_bound(col, GLP_MAX, lphi, sizeof(lphi));
			if (strcmp(lplo, "error") != 0 && strcmp(lphi, "error") != 0 && strcmp(lphi, "inf") != 0 &&
				strcmp(lplo, "-inf") != 0 && atof(lphi) - atof(lplo) < 2)
			{
				printf("%s narrow %s %s %s %s\n", name, lplo, lphi, lplo, lphi);
				if (getenv("LPB_FIRST"))
					break;
			}
			else
				printf("%s error - - %s %s\n", name, lplo, lphi);
		}
		return 0;
	}
	/*
	 * A few more integer solutions, each pushed towards a random corner (every unknown count
	 * weighted +1 or -1, capped 1000 above its lower bound for the occasion): every value a column
	 * takes in any of them is a value it can take, and most columns are wide from these alone.
	 */
	diversify(getenv("LPB_DIV") ? atoi(getenv("LPB_DIV")) : 64);
	while (scanf("%255s", name) == 1)
	{
		int			col = glp_find_col(p, name);
		char		lplo[64],
					lphi[64];
		int			lo_exact = 0,
					hi_exact = 0,
					failed = 0;

		if (col == 0)
		{
			printf("%s missing missing missing missing missing\n", name);
			continue;
		}
		/*
		 * 2. wide when some integer solution lies two away from a value seen: ask for one at most
		 * (greatest seen - 2), then at least (least seen + 2)
		 */
		if (seen_hi[col] - seen_lo[col] < 2 && integer_solution(col, -HUGE_VAL, seen_hi[col] - 2) < 0)
			failed = 1;
		if (!failed && seen_hi[col] - seen_lo[col] < 2 && integer_solution(col, seen_lo[col] + 2, HUGE_VAL) < 0)
			failed = 1;
		/* 3. neither: the range is within [greatest seen - 1, least seen + 1]; make it exact */
		while (seen_hi[col] - seen_lo[col] < 2 && !(lo_exact && hi_exact) && !failed)
		{
			int			r;

			if (!lo_exact)
			{
				r = integer_solution(col, -HUGE_VAL, seen_lo[col] - 1);
				if (r == 0)
					lo_exact = 1;
				else if (r < 0)
					failed = 1;
			}
			else
			{
				r = integer_solution(col, seen_hi[col] + 1, HUGE_VAL);
				if (r == 0)
					hi_exact = 1;
				else if (r < 0)
					failed = 1;
			}
		}
		if (!failed && seen_hi[col] - seen_lo[col] >= 2)
		{
			printf("%s wide %.0f %.0f - -\n", name, seen_lo[col], seen_hi[col]);
			continue;
		}
		/* narrow (or unanswered): the LP relaxation's range beside it, for the record */
		lp_bound(col, GLP_MIN, lplo, sizeof(lplo));
		lp_bound(col, GLP_MAX, lphi, sizeof(lphi));
		printf("%s %s %.0f %.0f %s %s\n", name, failed ? "error" : "narrow", seen_lo[col], seen_hi[col], lplo, lphi);
		if (getenv("LPB_FIRST"))
			break;				/* the caller wants to know whether there is one */
	}
	if (getenv("LPB_STATS"))
		fprintf(stderr, "lp_bounds: %d columns, %ld feasibility questions, %ld branch and bound runs\n",
				ncols, questions, branchings);
	return 0;
}
