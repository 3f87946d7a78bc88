/*
 * distribution.c — rbp.likert_distribution: how many respondents gave which score on one scale.
 *
 * A distribution is a fixed-length value (96 bytes): the scale (number of points, 2..10), the
 * number of respondents n, and one count per point. It is both the result and the transition
 * state of the aggregates rbp.likert_summary(rbp.likert), rbp.likert_respondent(rbp.likert) and
 * rbp.likert_summary(rbp.likert_distribution), so the state needs no serialisation: partial
 * aggregates in parallel workers hand their distributions to the leader as ordinary values, and
 * a team roll-up combines worker distributions without reading answers again.
 *
 * The transition functions update the state in place when called as aggregates (checked with
 * AggCheckCallContext): one increment per row, no allocation per row. Outside an aggregate they
 * work on a copy, as every function must.
 *
 * The value {} is the empty distribution before any answer has fixed its scale (points 0): it is
 * the initial state of the aggregates, whose transition functions are therefore strict, and which
 * return NULL rather than {} when nothing was summarised.
 *
 * n counts respondents, the point counts count answers. For one question they are equal (a
 * respondent answers a question once); when a respondent's several answers are summarised with
 * rbp.likert_respondent they count once in n and once per answer in the counts. doc/distribution.md
 * explains the choice.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "binary.h"
#include "likert.h"

typedef struct LikertDistribution
{
	int32		points;			/* the scale: 2..10 */
	int32		reserved;		/* always 0; keeps n aligned and leaves room for flags */
	int64		n;				/* respondents */
	int64		counts[LIKERT_MAX_POINTS];	/* counts[i]: answers at point i + 1; 0 beyond points */
} LikertDistribution;

StaticAssertDecl(sizeof(LikertDistribution) == 96,
				 "rbp.likert_distribution is declared with INTERNALLENGTH = 96");

#define DatumGetLikertDistribution(d)	((LikertDistribution *) DatumGetPointer(d))
#define PG_GETARG_DISTRIBUTION(n)		DatumGetLikertDistribution(PG_GETARG_DATUM(n))
#define PG_RETURN_DISTRIBUTION(p)		PG_RETURN_POINTER(p)

PG_FUNCTION_INFO_V1(likert_distribution_in);
PG_FUNCTION_INFO_V1(likert_distribution_out);
PG_FUNCTION_INFO_V1(likert_distribution_recv);
PG_FUNCTION_INFO_V1(likert_distribution_send);
PG_FUNCTION_INFO_V1(likert_distribution_eq);
PG_FUNCTION_INFO_V1(likert_summary_trans);
PG_FUNCTION_INFO_V1(likert_summary_combine);
PG_FUNCTION_INFO_V1(likert_respondent_final);
PG_FUNCTION_INFO_V1(likert_summary_final);
PG_FUNCTION_INFO_V1(likert_distribution_respondents);
PG_FUNCTION_INFO_V1(likert_distribution_answers);
PG_FUNCTION_INFO_V1(likert_distribution_points);
PG_FUNCTION_INFO_V1(likert_distribution_count);
PG_FUNCTION_INFO_V1(likert_distribution_counts);
PG_FUNCTION_INFO_V1(likert_distribution_mean);
PG_FUNCTION_INFO_V1(likert_distribution_median);
PG_FUNCTION_INFO_V1(likert_distribution_share_agreeing);
PG_FUNCTION_INFO_V1(likert_distribution_agreeing);

/* The sum of the point counts (the answers), with overflow checked. */
static int64
distribution_answers(const LikertDistribution *d)
{
	int64		total = 0;
	int			i;

	for (i = 0; i < d->points; i++)
	{
		if (pg_add_s64_overflow(total, d->counts[i], &total))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("rbp.likert_distribution answer count out of range")));
	}
	return total;
}

/*
 * The invariants every stored distribution keeps; input, receive and the roll-up all check them
 * so that a value built by hand cannot claim more respondents than answers.
 */
static void
distribution_check(const LikertDistribution *d)
{
	int64		answers;
	int			i;

	if (d->points == 0)
	{
		/* the empty distribution {} */
		for (i = 0; i < LIKERT_MAX_POINTS; i++)
			if (d->counts[i] != 0)
				break;
		if (d->n != 0 || i < LIKERT_MAX_POINTS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid rbp.likert_distribution: a distribution without a scale must be empty")));
		return;
	}
	if (d->points < LIKERT_MIN_POINTS || d->points > LIKERT_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rbp.likert_distribution: a scale has %d to %d points, not %d",
						LIKERT_MIN_POINTS, LIKERT_MAX_POINTS, d->points)));
	if (d->n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rbp.likert_distribution: negative number of respondents")));
	for (i = 0; i < LIKERT_MAX_POINTS; i++)
	{
		if (d->counts[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid rbp.likert_distribution: negative count at point %d", i + 1)));
		if (i >= d->points && d->counts[i] != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid rbp.likert_distribution: count at point %d beyond a %d-point scale",
							i + 1, d->points)));
	}
	answers = distribution_answers(d);
	if (d->n > answers || (d->n == 0) != (answers == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rbp.likert_distribution: %lld respondents cannot have given %lld answers",
						(long long) d->n, (long long) answers),
				 errdetail("Every respondent gives at least one answer and every answer has a respondent: "
						   "n is at most the sum of the counts, and zero only when they are all zero.")));
}

/* ---------------------------------------------------------------------------------------------
 * Text form: {points:5,n:12,counts:[0,1,2,4,5]}
 * ------------------------------------------------------------------------------------------- */

static void
skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static void
syntax_error(const char *input, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rbp.likert_distribution: \"%s\"", input),
			 errdetail("Expected %s.", expected),
			 errhint("The form is {points:5,n:12,counts:[0,1,2,4,5]}.")));
}

static void
expect_token(const char **p, const char *token, const char *input)
{
	size_t		len = strlen(token);

	skip_space(p);
	if (strncmp(*p, token, len) != 0)
		syntax_error(input, psprintf("\"%s\"", token));
	*p += len;
}

static int64
parse_count(const char **p, const char *input, const char *what)
{
	int64		value = 0;
	bool		any = false;

	skip_space(p);
	while (**p >= '0' && **p <= '9')
	{
		if (pg_mul_s64_overflow(value, 10, &value) ||
			pg_add_s64_overflow(value, **p - '0', &value))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value for %s out of range in rbp.likert_distribution: \"%s\"", what, input)));
		any = true;
		(*p)++;
	}
	if (!any)
		syntax_error(input, psprintf("a non-negative integer for %s", what));
	return value;
}

Datum
likert_distribution_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	LikertDistribution *d = palloc0(sizeof(LikertDistribution));
	int64		points;
	int			i = 0;

	expect_token(&p, "{", input);
	skip_space(&p);
	if (*p == '}')
	{
		/* {}: the empty distribution, no scale yet */
		p++;
		skip_space(&p);
		if (*p != '\0')
			syntax_error(input, "the end of the value after \"}\"");
		PG_RETURN_DISTRIBUTION(d);
	}
	expect_token(&p, "points", input);
	expect_token(&p, ":", input);
	points = parse_count(&p, input, "points");
	if (points < LIKERT_MIN_POINTS || points > LIKERT_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rbp.likert_distribution: a scale has %d to %d points, not %lld",
						LIKERT_MIN_POINTS, LIKERT_MAX_POINTS, (long long) points)));
	d->points = (int32) points;
	expect_token(&p, ",", input);
	expect_token(&p, "n", input);
	expect_token(&p, ":", input);
	d->n = parse_count(&p, input, "n");
	expect_token(&p, ",", input);
	expect_token(&p, "counts", input);
	expect_token(&p, ":", input);
	expect_token(&p, "[", input);
	for (;;)
	{
		int64		c = parse_count(&p, input, "a count");

		if (i >= d->points)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid rbp.likert_distribution: more than %d counts for a %d-point scale",
							d->points, d->points)));
		d->counts[i++] = c;
		skip_space(&p);
		if (*p == ',')
		{
			p++;
			continue;
		}
		break;
	}
	if (i != d->points)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rbp.likert_distribution: %d counts for a %d-point scale", i, d->points),
				 errdetail("Give one count per point, from point 1 upwards.")));
	expect_token(&p, "]", input);
	expect_token(&p, "}", input);
	skip_space(&p);
	if (*p != '\0')
		syntax_error(input, "the end of the value after \"}\"");
	distribution_check(d);
	PG_RETURN_DISTRIBUTION(d);
}

Datum
likert_distribution_out(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	StringInfoData buf;
	int			i;

	if (d->points == 0)
		PG_RETURN_CSTRING(pstrdup("{}"));
	initStringInfo(&buf);
	appendStringInfo(&buf, "{points:%d,n:" INT64_FORMAT ",counts:[", d->points, d->n);
	for (i = 0; i < d->points; i++)
		appendStringInfo(&buf, "%s" INT64_FORMAT, i == 0 ? "" : ",", d->counts[i]);
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* Binary form: int32 points, int64 n, then one int64 count per point. */
Datum
likert_distribution_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	LikertDistribution *d = palloc0(sizeof(LikertDistribution));
	int			i;

	rbp_recv_need(buf, 4, "rbp.likert_distribution");
	d->points = pq_getmsgint(buf, 4);
	if (d->points != 0 && (d->points < LIKERT_MIN_POINTS || d->points > LIKERT_MAX_POINTS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary rbp.likert_distribution: a scale has %d to %d points, not %d",
						LIKERT_MIN_POINTS, LIKERT_MAX_POINTS, d->points)));
	rbp_recv_need(buf, 8 + 8 * d->points, "rbp.likert_distribution");
	d->n = pq_getmsgint64(buf);
	for (i = 0; i < d->points; i++)
		d->counts[i] = pq_getmsgint64(buf);
	distribution_check(d);
	PG_RETURN_DISTRIBUTION(d);
}

Datum
likert_distribution_send(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, d->points);
	pq_sendint64(&buf, d->n);
	for (i = 0; i < d->points; i++)
		pq_sendint64(&buf, d->counts[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
likert_distribution_eq(PG_FUNCTION_ARGS)
{
	const LikertDistribution *a = PG_GETARG_DISTRIBUTION(0);
	const LikertDistribution *b = PG_GETARG_DISTRIBUTION(1);

	PG_RETURN_BOOL(a->points == b->points && a->n == b->n &&
				   memcmp(a->counts, b->counts, sizeof(a->counts)) == 0);
}

/* ---------------------------------------------------------------------------------------------
 * Aggregates
 * ------------------------------------------------------------------------------------------- */

static void
mixed_scales(int have, int got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot summarise a %d-point and a %d-point rbp.likert together", have, got),
			 errdetail("A distribution has one scale; answers on different scales are different questions."),
			 errhint("Group by the question (or the scale) before summarising.")));
}

/*
 * The state to update: in an aggregate, the state itself (the executor keeps it in the aggregate's
 * memory context, copied there from the initial value {} or the first roll-up input); elsewhere,
 * a copy, since a function must not change its argument.
 */
static LikertDistribution *
state_for_update(FunctionCallInfo fcinfo)
{
	LikertDistribution *d;

	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_DISTRIBUTION(0);
	d = palloc(sizeof(LikertDistribution));
	memcpy(d, PG_GETARG_DISTRIBUTION(0), sizeof(LikertDistribution));
	return d;
}

/*
 * likert_summary_trans(state, likert): one more respondent with this answer. Strict: a NULL
 * answer (a skipped question) leaves the state as it is. The first answer fixes the scale of the
 * empty state {}; an answer on another scale is an error.
 */
Datum
likert_summary_trans(PG_FUNCTION_ARGS)
{
	const LikertDistribution *state = PG_GETARG_DISTRIBUTION(0);
	Likert		l = PG_GETARG_LIKERT(1);
	int			points = LIKERT_POINTS(l);
	int			value = LIKERT_VALUE(l);
	LikertDistribution *d;

	if (points < LIKERT_MIN_POINTS || points > LIKERT_MAX_POINTS || value < 1 || value > points)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid rbp.likert byte 0x%02x", (unsigned) l)));
	if (state->points != points && state->points != 0)
		mixed_scales(state->points, points);

	d = state_for_update(fcinfo);
	d->points = points;
	d->counts[value - 1]++;
	d->n++;
	PG_RETURN_DISTRIBUTION(d);
}

/*
 * likert_summary_combine(a, b): the distribution of both groups of respondents. Serves as the
 * combine function of all three aggregates and as the transition function of the roll-up; an
 * empty side ({}) takes the scale of the other.
 */
Datum
likert_summary_combine(PG_FUNCTION_ARGS)
{
	const LikertDistribution *a = PG_GETARG_DISTRIBUTION(0);
	const LikertDistribution *b = PG_GETARG_DISTRIBUTION(1);
	LikertDistribution *d;
	int			i;

	if (b->points == 0)
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	if (a->points != b->points && a->points != 0)
		mixed_scales(a->points, b->points);
	d = state_for_update(fcinfo);
	d->points = b->points;
	if (pg_add_s64_overflow(d->n, b->n, &d->n))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("rbp.likert_distribution respondent count out of range")));
	for (i = 0; i < b->points; i++)
	{
		if (pg_add_s64_overflow(d->counts[i], b->counts[i], &d->counts[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("rbp.likert_distribution count out of range")));
	}
	PG_RETURN_DISTRIBUTION(d);
}

/* Final function of rbp.likert_summary: NULL when nothing was summarised, as for sum(). */
Datum
likert_summary_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_GETARG_DISTRIBUTION(0)->points == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/*
 * Final function of rbp.likert_respondent: the rows were one respondent's answers, so n is 1
 * (the state counted rows); NULL when they skipped every statement. Returns a new value: the
 * state may be finalised again (window aggregates) and must stay as it was.
 */
Datum
likert_respondent_final(PG_FUNCTION_ARGS)
{
	LikertDistribution *d;

	if (PG_ARGISNULL(0) || PG_GETARG_DISTRIBUTION(0)->points == 0)
		PG_RETURN_NULL();
	d = palloc(sizeof(LikertDistribution));
	memcpy(d, PG_GETARG_DISTRIBUTION(0), sizeof(LikertDistribution));
	d->n = d->n > 0 ? 1 : 0;
	PG_RETURN_DISTRIBUTION(d);
}

/* ---------------------------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------------------------- */

Datum
likert_distribution_respondents(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_DISTRIBUTION(0)->n);
}

Datum
likert_distribution_answers(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(distribution_answers(PG_GETARG_DISTRIBUTION(0)));
}

Datum
likert_distribution_points(PG_FUNCTION_ARGS)
{
	if (PG_GETARG_DISTRIBUTION(0)->points == 0)
		PG_RETURN_NULL();		/* {} has no scale yet */
	PG_RETURN_INT32(PG_GETARG_DISTRIBUTION(0)->points);
}

Datum
likert_distribution_count(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	int32		point = PG_GETARG_INT32(1);

	if (d->points == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the empty rbp.likert_distribution {} has no points")));
	if (point < 1 || point > d->points)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("point %d is not on a %d-point scale", point, d->points),
				 errhint("Points are numbered from 1 to %d.", d->points)));
	PG_RETURN_INT64(d->counts[point - 1]);
}

Datum
likert_distribution_counts(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	Datum		elems[LIKERT_MAX_POINTS];
	int			i;

	for (i = 0; i < d->points; i++)
		elems[i] = Int64GetDatum(d->counts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, d->points, INT8OID, sizeof(int64),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* The mean score over the answers; NULL for an empty distribution. */
Datum
likert_distribution_mean(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	int64		answers = distribution_answers(d);
	double		sum = 0;
	int			i;

	if (answers == 0)
		PG_RETURN_NULL();
	for (i = 0; i < d->points; i++)
		sum += (double) d->counts[i] * (i + 1);
	PG_RETURN_FLOAT8(sum / (double) answers);
}

/*
 * The median score over the answers, as percentile_cont(0.5) computes it: the middle answer, or
 * halfway between the two middle answers when their number is even. NULL when empty.
 */
Datum
likert_distribution_median(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	int64		answers = distribution_answers(d);
	int64		lo_rank;
	int64		hi_rank;
	int64		seen = 0;
	int			lo = 0;
	int			hi = 0;
	int			i;

	if (answers == 0)
		PG_RETURN_NULL();
	/* 1-based ranks of the middle answer(s); (answers + 1) / 2 would overflow at INT64_MAX */
	lo_rank = answers / 2 + answers % 2;
	hi_rank = answers / 2 + 1;
	for (i = 0; i < d->points; i++)
	{
		seen += d->counts[i];
		if (lo == 0 && seen >= lo_rank)
			lo = i + 1;
		if (hi == 0 && seen >= hi_rank)
		{
			hi = i + 1;
			break;
		}
	}
	PG_RETURN_FLOAT8((lo + hi) / 2.0);
}

/* The answers at the top two points (top point on a 2- or 3-point scale): see share_agreeing. */
static int64
distribution_agreeing(const LikertDistribution *d)
{
	int64		agreeing;

	if (d->points == 0)
		return 0;
	agreeing = d->counts[d->points - 1];

	if (d->points >= 4)
		agreeing += d->counts[d->points - 2];
	return agreeing;
}

Datum
likert_distribution_agreeing(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(distribution_agreeing(PG_GETARG_DISTRIBUTION(0)));
}

/*
 * The share of answers that agree: the top two points of a scale of four or more points (agree
 * and strongly agree on the five-point scale, 9 and 10 on a ten-point dial), the top point of a
 * two- or three-point scale (where the second point from the top is "no" or "neither").
 */
Datum
likert_distribution_share_agreeing(PG_FUNCTION_ARGS)
{
	const LikertDistribution *d = PG_GETARG_DISTRIBUTION(0);
	int64		answers = distribution_answers(d);

	if (answers == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) distribution_agreeing(d) / (double) answers);
}
