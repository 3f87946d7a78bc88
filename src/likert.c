/*
 * likert.c — rbp.likert, a point on an N-point agreement scale (the questionnaires' scores and
 * children's dials), stored in the one byte described in likert.h.
 *
 * A value knows its scale (2 to 10 points), so anything that receives it can tell a 4 of 5 from a
 * 4 of 10; comparing or mixing values of different scales raises an error instead of answering.
 * Text form: the 5-point scale is the default, written 1..5 or as the questionnaire's labels; any
 * other scale is written v/N. The type modifier rbp.likert(N) constrains a column or cast to one
 * scale; this file holds the I/O, typmod, cast, label, comparison, hash and min/max functions.
 */
#include "postgres.h"

#include "commands/vacuum.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "binary.h"
#include "likert.h"

/* The questionnaire's labels of the 5-point scale, indexed by value. */
static const char *const likert_labels5[] = {
	NULL, "strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"
};
static const char *const likert_labels4[] = {
	NULL, "strongly disagree", "disagree", "agree", "strongly agree"
};
static const char *const likert_labels3[] = {
	NULL, "disagree", "neither agree nor disagree", "agree"
};
static const char *const likert_labels2[] = {NULL, "disagree", "agree"};

#define LIKERT_SYNTAX_HINT \
	"Write a 5-point value as 1 to 5 or as its label (strongly disagree, disagree, " \
	"neither agree nor disagree, agree, strongly agree), and a value on another scale " \
	"as v/N with N from 2 to 10, for example 7/10."

/* Numbers longer than this are out of range anyway; clamping avoids overflow while parsing. */
#define LIKERT_PARSE_CLAMP 1000000

static inline bool
likert_points_valid(int points)
{
	return points >= LIKERT_MIN_POINTS && points <= LIKERT_MAX_POINTS;
}

static inline bool
likert_is_valid(Likert l)
{
	return likert_points_valid(LIKERT_POINTS(l)) &&
		LIKERT_VALUE(l) >= 1 && LIKERT_VALUE(l) <= LIKERT_POINTS(l);
}

/* The text form: "v" on the default 5-point scale, "v/N" on any other. */
static char *
likert_to_cstring(Likert l)
{
	if (LIKERT_POINTS(l) == LIKERT_DEFAULT_POINTS)
		return psprintf("%d", LIKERT_VALUE(l));
	return psprintf("%d/%d", LIKERT_VALUE(l), LIKERT_POINTS(l));
}

static void
likert_check_typmod_value(int32 typmod)
{
	if (typmod >= 0 && !likert_points_valid(typmod))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier for rbp.likert: %d", typmod),
				 errdetail("The type modifier is the number of points of the scale, from %d to %d.",
						   LIKERT_MIN_POINTS, LIKERT_MAX_POINTS)));
}

/* A value of one scale offered where the type modifier demands another: always an error. */
static void
likert_apply_typmod(Likert l, int32 typmod)
{
	likert_check_typmod_value(typmod);
	if (typmod >= 0 && LIKERT_POINTS(l) != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rbp.likert value %d/%d is on a %d-point scale, but rbp.likert(%d) holds %d-point values",
						LIKERT_VALUE(l), LIKERT_POINTS(l), LIKERT_POINTS(l), typmod, typmod),
				 errhint("Values are never converted between scales; write a %d-point value as v/%d.",
						 typmod, typmod)));
}

/* Comparing values of different scales has no right answer: refuse. */
static inline void
likert_check_same_scale(Likert a, Likert b)
{
	if (LIKERT_POINTS(a) != LIKERT_POINTS(b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot compare rbp.likert values on different scales: a %d-point and a %d-point value",
						LIKERT_POINTS(a), LIKERT_POINTS(b)),
				 errdetail("The values are %d/%d and %d/%d.",
						   LIKERT_VALUE(a), LIKERT_POINTS(a), LIKERT_VALUE(b), LIKERT_POINTS(b)),
				 errhint("Compare or aggregate values of one scale only, for example by declaring the column rbp.likert(N).")));
}

static inline int
likert_cmp_internal(Likert a, Likert b)
{
	likert_check_same_scale(a, b);
	/* Same scale: the byte order is the value order. */
	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * Reads an optionally signed decimal integer at *p, advancing *p past it. Returns false when there
 * is no digit. Large magnitudes are clamped (they are out of range whatever the scale).
 */
static bool
likert_parse_int(const char **p, int *result)
{
	const char *s = *p;
	bool		negative = false;
	int			v = 0;

	if (*s == '+' || *s == '-')
	{
		negative = (*s == '-');
		s++;
	}
	if (!isdigit((unsigned char) *s))
		return false;
	while (isdigit((unsigned char) *s))
	{
		if (v < LIKERT_PARSE_CLAMP)
			v = v * 10 + (*s - '0');
		s++;
	}
	*p = s;
	*result = negative ? -v : v;
	return true;
}

/*
 * Text input. typmod is -1 for literals and casts (PostgreSQL applies a type modifier afterwards
 * through the length-coercion cast); COPY and some client paths pass the column's typmod, and then
 * a bare integer is read on that scale.
 */
PG_FUNCTION_INFO_V1(likert_in);
Datum
likert_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	char	   *norm = palloc(strlen(str) + 1);
	char	   *w = norm;
	const char *r;
	const char *p;
	int			value = 0;
	int			points = 0;
	int			i;
	bool		pending_space = false;
	bool		bare = false;
	Likert		result;

	likert_check_typmod_value(typmod);

	/* Lower-case, drop surrounding white space, collapse internal runs of it into one space. */
	for (r = str; *r; r++)
	{
		if (isspace((unsigned char) *r))
		{
			pending_space = (w != norm);
			continue;
		}
		if (pending_space)
			*w++ = ' ';
		pending_space = false;
		*w++ = pg_ascii_tolower((unsigned char) *r);
	}
	*w = '\0';

	for (i = 1; i <= LIKERT_DEFAULT_POINTS; i++)
	{
		if (strcmp(norm, likert_labels5[i]) == 0)
		{
			value = i;
			points = LIKERT_DEFAULT_POINTS;
			break;
		}
	}

	if (points == 0)
	{
		p = norm;
		if (!likert_parse_int(&p, &value))
			goto syntax_error;
		bare = (*p == '\0');
		if (bare)
			points = typmod >= 0 ? typmod : LIKERT_DEFAULT_POINTS;
		else
		{
			if (*p == ' ')
				p++;
			if (*p != '/')
				goto syntax_error;
			p++;
			if (*p == ' ')
				p++;
			if (!likert_parse_int(&p, &points) || *p != '\0')
				goto syntax_error;
			if (!likert_points_valid(points))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("number of points out of range in rbp.likert value \"%s\"", str),
						 errdetail("A scale has from %d to %d points.",
								   LIKERT_MIN_POINTS, LIKERT_MAX_POINTS)));
		}
		if (value < 1 || value > points)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("rbp.likert value \"%s\" is out of range", str),
					 errdetail("Values on a %d-point scale run from 1 to %d.", points, points),
					 bare && typmod < 0 ?
					 errhint("A bare number is a value on the 5-point scale; write v/N for a value on an N-point scale, for example 6/7.") : 0));
	}

	result = LIKERT_MAKE(value, points);
	likert_apply_typmod(result, typmod);
	pfree(norm);
	PG_RETURN_LIKERT(result);

syntax_error:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rbp.likert: \"%s\"", str),
			 errhint(LIKERT_SYNTAX_HINT)));
	PG_RETURN_NULL();			/* not reached */
}

PG_FUNCTION_INFO_V1(likert_out);
Datum
likert_out(PG_FUNCTION_ARGS)
{
	Likert		l = PG_GETARG_LIKERT(0);

	if (!likert_is_valid(l))
		elog(ERROR, "corrupt rbp.likert byte 0x%02x", (unsigned) l);
	PG_RETURN_CSTRING(likert_to_cstring(l));
}

/* Binary form: the encoded byte itself, validated, then the type modifier applied. */
PG_FUNCTION_INFO_V1(likert_recv);
Datum
likert_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	Likert		l;

	rbp_recv_need(buf, 1, "rbp.likert");
	l = (Likert) pq_getmsgbyte(buf);

	if (!likert_is_valid(l))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary rbp.likert byte 0x%02x", (unsigned) l),
				 errdetail("The binary form is one byte: the number of points (2 to 10) in the high four bits, the value (1 to the number of points) in the low four.")));
	likert_apply_typmod(l, typmod);
	PG_RETURN_LIKERT(l);
}

PG_FUNCTION_INFO_V1(likert_send);
Datum
likert_send(PG_FUNCTION_ARGS)
{
	Likert		l = PG_GETARG_LIKERT(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, l);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Type modifier: rbp.likert(N), N the number of points. */
PG_FUNCTION_INFO_V1(likert_typmod_in);
Datum
likert_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rbp.likert takes exactly one type modifier, the number of points"),
				 errhint("Write rbp.likert(N) with N from %d to %d.", LIKERT_MIN_POINTS, LIKERT_MAX_POINTS)));
	if (!likert_points_valid(tl[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier for rbp.likert: %d", tl[0]),
				 errdetail("The type modifier is the number of points of the scale, from %d to %d.",
						   LIKERT_MIN_POINTS, LIKERT_MAX_POINTS)));
	PG_RETURN_INT32(tl[0]);
}

PG_FUNCTION_INFO_V1(likert_typmod_out);
Datum
likert_typmod_out(PG_FUNCTION_ARGS)
{
	int32		typmod = PG_GETARG_INT32(0);

	PG_RETURN_CSTRING(typmod >= 0 ? psprintf("(%d)", typmod) : pstrdup(""));
}

/* Length-coercion cast rbp.likert -> rbp.likert(N): a value of another scale is rejected. */
PG_FUNCTION_INFO_V1(likert_enforce_typmod);
Datum
likert_enforce_typmod(PG_FUNCTION_ARGS)
{
	Likert		l = PG_GETARG_LIKERT(0);

	likert_apply_typmod(l, PG_GETARG_INT32(1));
	PG_RETURN_LIKERT(l);
}

/* Cast integer -> rbp.likert(N): the integer is a value on the target's scale (5 without typmod). */
PG_FUNCTION_INFO_V1(likert_from_int4);
Datum
likert_from_int4(PG_FUNCTION_ARGS)
{
	int32		value = PG_GETARG_INT32(0);
	int32		typmod = PG_GETARG_INT32(1);
	int			points;

	likert_check_typmod_value(typmod);
	points = typmod >= 0 ? typmod : LIKERT_DEFAULT_POINTS;
	if (value < 1 || value > points)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("integer %d is out of range for a %d-point rbp.likert", value, points),
				 errdetail("Values on a %d-point scale run from 1 to %d.", points, points),
				 typmod < 0 ? errhint("Without a type modifier the scale is 5 points; cast to rbp.likert(N) for another scale.") : 0));
	PG_RETURN_LIKERT(LIKERT_MAKE(value, points));
}

PG_FUNCTION_INFO_V1(likert_value);
Datum
likert_value(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(LIKERT_VALUE(PG_GETARG_LIKERT(0)));
}

PG_FUNCTION_INFO_V1(likert_points);
Datum
likert_points(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(LIKERT_POINTS(PG_GETARG_LIKERT(0)));
}

PG_FUNCTION_INFO_V1(likert_label);
Datum
likert_label(PG_FUNCTION_ARGS)
{
	Likert		l = PG_GETARG_LIKERT(0);
	int			v = LIKERT_VALUE(l);
	int			points = LIKERT_POINTS(l);

	if (!likert_is_valid(l))
		elog(ERROR, "corrupt rbp.likert byte 0x%02x", (unsigned) l);
	switch (points)
	{
		case 2:
			PG_RETURN_TEXT_P(cstring_to_text(likert_labels2[v]));
		case 3:
			PG_RETURN_TEXT_P(cstring_to_text(likert_labels3[v]));
		case 4:
			PG_RETURN_TEXT_P(cstring_to_text(likert_labels4[v]));
		case 5:
			PG_RETURN_TEXT_P(cstring_to_text(likert_labels5[v]));
		default:
			PG_RETURN_TEXT_P(cstring_to_text(psprintf("%d of %d", v, points)));
	}
}

/* Comparison operators and btree support: values of different scales raise an error. */
PG_FUNCTION_INFO_V1(likert_eq);
Datum
likert_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) == 0);
}

PG_FUNCTION_INFO_V1(likert_ne);
Datum
likert_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) != 0);
}

PG_FUNCTION_INFO_V1(likert_lt);
Datum
likert_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) < 0);
}

PG_FUNCTION_INFO_V1(likert_le);
Datum
likert_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) <= 0);
}

PG_FUNCTION_INFO_V1(likert_gt);
Datum
likert_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) > 0);
}

PG_FUNCTION_INFO_V1(likert_ge);
Datum
likert_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)) >= 0);
}

PG_FUNCTION_INFO_V1(likert_cmp);
Datum
likert_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(likert_cmp_internal(PG_GETARG_LIKERT(0), PG_GETARG_LIKERT(1)));
}

/*
 * Hash support. Only the value is hashed, not the scale: equal values (same byte) still hash
 * alike, and values of different scales with the same number land in the same bucket, so a hash
 * join or hash aggregate that mixes scales reaches the equality function and raises its error.
 * Within one scale nothing is lost, since the value alone tells the values apart.
 */
PG_FUNCTION_INFO_V1(likert_hash);
Datum
likert_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) LIKERT_VALUE(PG_GETARG_LIKERT(0)));
}

PG_FUNCTION_INFO_V1(likert_hash_extended);
Datum
likert_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) LIKERT_VALUE(PG_GETARG_LIKERT(0)), (uint64) PG_GETARG_INT64(1));
}

/* Transition and combine functions of rbp.min / rbp.max. */
PG_FUNCTION_INFO_V1(likert_larger);
Datum
likert_larger(PG_FUNCTION_ARGS)
{
	Likert		a = PG_GETARG_LIKERT(0);
	Likert		b = PG_GETARG_LIKERT(1);

	PG_RETURN_LIKERT(likert_cmp_internal(a, b) >= 0 ? a : b);
}

PG_FUNCTION_INFO_V1(likert_smaller);
Datum
likert_smaller(PG_FUNCTION_ARGS)
{
	Likert		a = PG_GETARG_LIKERT(0);
	Likert		b = PG_GETARG_LIKERT(1);

	PG_RETURN_LIKERT(likert_cmp_internal(a, b) <= 0 ? a : b);
}

/*
 * ANALYZE support. PostgreSQL's standard statistics sort the sample with the btree operator class,
 * which raises an error as soon as a column holds values of two scales; ANALYZE (and autovacuum)
 * would then fail on the whole table, again and again. A column with a type modifier holds one
 * scale only, so it gets the standard statistics (most common values, histogram, correlation). A
 * column without one gets statistics that need no comparison: the null fraction, the width and the
 * number of distinct values, counted exactly per byte (there are at most 54 valid values, so the
 * sample sees practically all of them). No value lists are stored for it, so that the planner never
 * compares a constant with stored values of another scale while estimating.
 */
static void
likert_compute_scale_free_stats(VacAttrStatsP stats, AnalyzeAttrFetchFunc fetchfunc,
								int samplerows, double totalrows)
{
	int			counts[256] = {0};
	int			nulls = 0;
	int			nonnull = 0;
	int			distinct = 0;
	int			i;

	for (i = 0; i < samplerows; i++)
	{
		bool		isnull;
		Datum		d;

		vacuum_delay_point();
		d = fetchfunc(stats, i, &isnull);
		if (isnull)
		{
			nulls++;
			continue;
		}
		counts[DatumGetLikert(d)]++;
		nonnull++;
	}

	if (nonnull > 0)
	{
		for (i = 0; i < 256; i++)
			if (counts[i] > 0)
				distinct++;
		stats->stats_valid = true;
		stats->stanullfrac = (float4) ((double) nulls / (double) samplerows);
		stats->stawidth = sizeof(Likert);
		stats->stadistinct = (float4) distinct;
	}
	else if (nulls > 0)
	{
		stats->stats_valid = true;
		stats->stanullfrac = 1.0;
		stats->stawidth = 0;
		stats->stadistinct = 0.0;
	}
}

PG_FUNCTION_INFO_V1(likert_typanalyze);
Datum
likert_typanalyze(PG_FUNCTION_ARGS)
{
	VacAttrStats *stats = (VacAttrStats *) PG_GETARG_POINTER(0);

	if (stats->attrtypmod >= 0)
		PG_RETURN_BOOL(std_typanalyze(stats));

	/* The same sample size as the standard statistics; stats->attr is ANALYZE's private copy. */
	if (stats->attr->attstattarget < 0)
		stats->attr->attstattarget = default_statistics_target;
	stats->compute_stats = likert_compute_scale_free_stats;
	stats->minrows = 300 * stats->attr->attstattarget;
	PG_RETURN_BOOL(true);
}
