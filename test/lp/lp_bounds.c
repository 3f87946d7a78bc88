/*
 * lp_bounds.c — the exact audit's solver driver (test/report_lp_audit.sh).
 *
 * Reads a linear programme in CPLEX LP format (the whole model of a publication as a reader knows
 * it) and a list of column names on standard input; for each column prints "name lower upper":
 * the least and the greatest value the column can take over every solution of the programme
 * (LP relaxation, by GLPK's simplex, warm-started from one objective to the next), rounded inwards
 * to integers, "inf" when unbounded. Declares the few GLPK functions it uses itself, so that it
 * needs only the library of Debian's glpk-utils (libglpk40), not its headers.
 */
#include <math.h>
#include <stdio.h>
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
extern int	glp_term_out(int flag);

#define GLP_MIN 1
#define GLP_MAX 2
#define GLP_OPT 5
#define GLP_UNBND 6

int
main(int argc, char **argv)
{
	glp_prob   *p;
	char		name[256];
	int			n,
				j;

	if (argc != 2)
	{
		fprintf(stderr, "usage: lp_bounds MODEL.lp < columns\n");
		return 2;
	}
	glp_term_out(0);
	p = glp_create_prob();
	if (glp_read_lp(p, NULL, argv[1]) != 0)
	{
		fprintf(stderr, "lp_bounds: cannot read %s\n", argv[1]);
		return 2;
	}
	glp_create_index(p);
	n = glp_get_num_cols(p);
	for (j = 1; j <= n; j++)
		glp_set_obj_coef(p, j, 0.0);
	while (scanf("%255s", name) == 1)
	{
		int			col = glp_find_col(p, name);
		int			dir;
		char		out[2][64];

		if (col == 0)
		{
			printf("%s missing missing\n", name);
			continue;
		}
		glp_set_obj_coef(p, col, 1.0);
		for (dir = 0; dir < 2; dir++)
		{
			int			st;

			glp_set_obj_dir(p, dir == 0 ? GLP_MIN : GLP_MAX);
			if (glp_simplex(p, NULL) != 0)
			{
				strcpy(out[dir], "error");
				continue;
			}
			st = glp_get_status(p);
			if (st == GLP_UNBND)
				strcpy(out[dir], dir == 0 ? "-inf" : "inf");
			else if (st == GLP_OPT)
				snprintf(out[dir], sizeof(out[dir]), "%.0f",
						 dir == 0 ? ceil(glp_get_obj_val(p) - 1e-6) : floor(glp_get_obj_val(p) + 1e-6));
			else
				strcpy(out[dir], "error");
		}
		glp_set_obj_coef(p, col, 0.0);
		printf("%s %s %s\n", name, out[0], out[1]);
	}
	return 0;
}
