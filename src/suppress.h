/*
 * suppress.h — the linear model of a publication that the suppression core audits (suppress.c).
 *
 * A publication run (one authority and one period with the cells it is tied to) is a set of
 * integer variables — every count a reader could want to know: a cell's people, a statement's
 * answers at one point, a part that is never published — and a set of relations a reader knows
 * between them, each "sum of coef * var = 0" or ">= 0" with coefficients +1 or -1 (read_model
 * writes each ">= 0" as "sum - slack = 0" with a slack variable >= 0 of its own). A visible
 * variable is known exactly; a suppressed one is known only to be >= its lower bound (1 for a
 * cell shown as c, 0 for a point count or an unpublished part) until the relations say more.
 */
#ifndef FEEDBACK_RBP_SUPPRESS_H
#define FEEDBACK_RBP_SUPPRESS_H

#include "postgres.h"

/* Status of a variable, as rbp.report_protect returns it. */
#define SUPPRESS_VISIBLE		0
#define SUPPRESS_HIDDEN			1
#define SUPPRESS_UNPROTECTED	2	/* hidden, but no cell left to hide could widen its interval */

/* A bound beyond any count: "unbounded" without overflow when a few are added. */
#define SUPPRESS_INF			((int64) 1 << 60)

typedef struct SuppressModel
{
	int			nvars;			/* the variables given, then one slack per inequality */
	int			nvars_given;
	int64	   *value;			/* the true counts */
	int64	   *lower;			/* a reader's lower bound for a hidden variable */
	bool	   *hidden;
	bool	   *frozen;			/* published earlier or never published: status cannot change */
	int		   *owner;			/* point variable: index of its cell's count variable, else -1 */
	int			nrels;
	int		   *rel_start;		/* terms of relation r: rel_start[r] .. rel_start[r + 1] - 1 */
	int		   *term_var;
	int		   *term_coef;		/* +1 or -1 */
	bool	   *rel_eq;			/* true: sum = 0; false: sum >= 0 */
	int64	   *rel_const;		/* NULL, or a constant added to each relation's sum (derived ones) */
	/* derived */
	int		   *var_rel_start;	/* relations of variable v: var_rels[var_rel_start[v] ..] */
	int		   *var_rels;
	int		   *children_start;	/* point variables of count variable v */
	int		   *children;
} SuppressModel;

#endif
