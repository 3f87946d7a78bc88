/*
 * cadence.c — rbp.cadence, a recurring window of time such as "due from 2 months, overdue after
 * 3 months", and the date arithmetic that turns it into due dates.
 *
 * A cadence has two bounds, each a number of calendar months plus a number of days (weeks are read
 * as 7 days, years as 12 months). Counted from an anchor date (the start of involvement, the last
 * invitation or response) the lower bound gives the first day the next invitation is due, the upper
 * bound the first day it is overdue. Only dates are involved, never timestamps, so neither time
 * zones nor daylight saving can move a due day.
 *
 * Month arithmetic: adding N months keeps the day of the month and clamps it to the length of the
 * target month (31 January + 1 month = 28 February, or 29 in a leap year; 29 February + 12 months =
 * 28 February); days are added afterwards. This is also what PostgreSQL's date + interval does.
 *
 * Text form: '<bound>..<bound>', a bound being one or more '<n> <unit>' terms, unit day(s), week(s),
 * month(s) or year(s), e.g. '2 months..3 months', '6 weeks..10 weeks', '1 month 2 weeks..2 months'.
 * Output is canonical: months first ('N months'; years are printed as months), then days, printed
 * as weeks when a whole number of weeks.  doc/cadence.md is the reference.
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "binary.h"

/* One bound: calendar months, then days. */
typedef struct CadenceBound
{
	int32		months;
	int32		days;
} CadenceBound;

/* The on-disk and in-memory form: 16 bytes, fixed length, passed by reference. */
typedef struct Cadence
{
	CadenceBound lower;			/* due from anchor + lower */
	CadenceBound upper;			/* overdue from anchor + upper */
} Cadence;

/* A month lasts at least 28 and at most 31 days; used to compare bounds that mix the two units. */
#define CADENCE_MIN_MONTH_DAYS	28
#define CADENCE_MAX_MONTH_DAYS	31
/*
 * No bound may exceed 100 years as a whole: months count as 1/12 of a 365.25-day year, so a bound
 * of m months and d days is too long when m * 36525 + d * 1200 > 1200 * 36525 (1200 months alone,
 * or 36525 days alone, is the limit).
 */
#define CADENCE_MAX_MONTHS		1200
#define CADENCE_MAX_DAYS		36525

#define DatumGetCadenceP(d)		((Cadence *) DatumGetPointer(d))
#define PG_GETARG_CADENCE_P(n)	DatumGetCadenceP(PG_GETARG_DATUM(n))
#define PG_RETURN_CADENCE_P(c)	PG_RETURN_POINTER(c)

PG_FUNCTION_INFO_V1(cadence_in);
PG_FUNCTION_INFO_V1(cadence_out);
PG_FUNCTION_INFO_V1(cadence_recv);
PG_FUNCTION_INFO_V1(cadence_send);
PG_FUNCTION_INFO_V1(cadence_eq);
PG_FUNCTION_INFO_V1(cadence_ne);
PG_FUNCTION_INFO_V1(cadence_hash);
PG_FUNCTION_INFO_V1(cadence_from_intervals);
PG_FUNCTION_INFO_V1(cadence_lower);
PG_FUNCTION_INFO_V1(cadence_upper);
PG_FUNCTION_INFO_V1(cadence_add_months_days);
PG_FUNCTION_INFO_V1(cadence_due_from);
PG_FUNCTION_INFO_V1(cadence_overdue_from);
PG_FUNCTION_INFO_V1(cadence_windows);

/*
 * Check the bounds of a cadence built from any source (text, binary, intervals): each length in
 * range, the lower bound positive, and the lower bound never after the upper bound whatever the
 * anchor date. Raises 22023.
 */
static void
cadence_validate(const Cadence *c)
{
	const CadenceBound *b[2] = {&c->lower, &c->upper};
	int			k;
	int64		dm;
	int64		dd;

	for (k = 0; k < 2; k++)
	{
		if (b[k]->months < 0 || b[k]->days < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cadence lengths must not be negative"),
					 errdetail("The %s bound has %d months and %d days.",
							   k == 0 ? "lower" : "upper", b[k]->months, b[k]->days)));
		if ((int64) b[k]->months * CADENCE_MAX_DAYS + (int64) b[k]->days * CADENCE_MAX_MONTHS >
			(int64) CADENCE_MAX_MONTHS * CADENCE_MAX_DAYS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cadence lengths must not exceed 100 years"),
					 errdetail("The %s bound has %d months and %d days; a bound is at most 100 years (%d months, or %d days, or a mix counting a month as 1/12 of 365.25 days).",
							   k == 0 ? "lower" : "upper", b[k]->months, b[k]->days,
							   CADENCE_MAX_MONTHS, CADENCE_MAX_DAYS)));
	}
	if (c->lower.months == 0 && c->lower.days == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the lower bound of a cadence must be a positive length"),
				 errhint("A cadence such as '2 months..3 months' is due 2 months after its anchor.")));

	/*
	 * anchor + upper - (anchor + lower) is, over all anchors, at least dm * 28 + dd days when the
	 * upper bound has dm >= 0 more months, and at least dm * 31 + dd days when it has fewer.
	 */
	dm = (int64) c->upper.months - c->lower.months;
	dd = (int64) c->upper.days - c->lower.days;
	if (dm * (dm >= 0 ? CADENCE_MIN_MONTH_DAYS : CADENCE_MAX_MONTH_DAYS) + dd < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the lower bound of a cadence must not be above its upper bound"),
				 errdetail("Counted from some anchor date, \"due from\" would fall after \"overdue from\"."),
				 errhint("Months count as at least 28 and at most 31 days when a bound mixes months and days.")));
}

static void
cadence_syntax_error(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type cadence: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("Write a cadence as '<lower>..<upper>' with lengths in days, weeks, months or years, e.g. '2 months..3 months'.")));
}

static const char *
skip_space(const char *p)
{
	while (*p && isspace((unsigned char) *p))
		p++;
	return p;
}

/*
 * Parse one bound starting at *pp: one or more "<digits> <unit>" terms. Stops before ".." or at the
 * end of the string. A unit may appear once per bound.
 */
static void
parse_bound(const char *input, const char **pp, CadenceBound *b)
{
	const char *p = skip_space(*pp);
	int			terms = 0;
	bool		seen[4] = {false, false, false, false};

	b->months = 0;
	b->days = 0;
	while (*p && !(p[0] == '.' && p[1] == '.'))
	{
		int64		n = 0;
		bool		negative = false;
		const char *w;
		size_t		len;
		int			unit;

		/* a sign is read so that a negative length gets the "must not be negative" error */
		if (*p == '-' || *p == '+')
		{
			negative = (*p == '-');
			p = skip_space(p + 1);
		}
		if (!isdigit((unsigned char) *p))
			cadence_syntax_error(input, "Each length must start with a whole number.");
		while (isdigit((unsigned char) *p))
		{
			n = n * 10 + (*p - '0');
			if (n > INT_MAX / 2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("cadence lengths must not exceed 100 years"),
						 errdetail("Input: \"%s\".", input)));
			p++;
		}
		p = skip_space(p);
		w = p;
		while (isalpha((unsigned char) *p))
			p++;
		len = p - w;
		if (len == 0)
			cadence_syntax_error(input, "Each number must be followed by a unit: days, weeks, months or years.");
		if ((len == 3 && pg_strncasecmp(w, "day", 3) == 0) ||
			(len == 4 && pg_strncasecmp(w, "days", 4) == 0))
			unit = 0;
		else if ((len == 4 && pg_strncasecmp(w, "week", 4) == 0) ||
				 (len == 5 && pg_strncasecmp(w, "weeks", 5) == 0))
			unit = 1;
		else if ((len == 5 && pg_strncasecmp(w, "month", 5) == 0) ||
				 (len == 6 && pg_strncasecmp(w, "months", 6) == 0))
			unit = 2;
		else if ((len == 4 && pg_strncasecmp(w, "year", 4) == 0) ||
				 (len == 5 && pg_strncasecmp(w, "years", 5) == 0))
			unit = 3;
		else
			cadence_syntax_error(input, "Units are days, weeks, months or years.");
		if (seen[unit])
			cadence_syntax_error(input, "A unit may appear only once in each bound.");
		seen[unit] = true;
		if (negative)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cadence lengths must not be negative"),
					 errdetail("Input: \"%s\".", input)));
		switch (unit)
		{
			case 0:
				b->days += (int32) n;
				break;
			case 1:
				b->days += (int32) (n * 7 > INT_MAX / 2 ? INT_MAX / 2 : n * 7);
				break;
			case 2:
				b->months += (int32) n;
				break;
			case 3:
				b->months += (int32) (n * 12 > INT_MAX / 2 ? INT_MAX / 2 : n * 12);
				break;
		}
		if (b->days > INT_MAX / 4 || b->months > INT_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cadence lengths must not exceed 100 years"),
					 errdetail("Input: \"%s\".", input)));
		terms++;
		p = skip_space(p);
	}
	if (terms == 0)
		cadence_syntax_error(input, "Both bounds must have a length.");
	*pp = p;
}

Datum
cadence_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	Cadence    *c = palloc0(sizeof(Cadence));

	if (strstr(input, "..") == NULL)
		cadence_syntax_error(input, "The two bounds must be separated by \"..\".");
	parse_bound(input, &p, &c->lower);
	if (!(p[0] == '.' && p[1] == '.'))
		cadence_syntax_error(input, "The two bounds must be separated by \"..\".");
	p += 2;
	parse_bound(input, &p, &c->upper);
	if (*p != '\0')
		cadence_syntax_error(input, "Only one \"..\" may separate the two bounds.");
	cadence_validate(c);
	PG_RETURN_CADENCE_P(c);
}

static void
append_bound(StringInfo buf, const CadenceBound *b)
{
	if (b->months > 0)
		appendStringInfo(buf, "%d %s", b->months, b->months == 1 ? "month" : "months");
	if (b->days > 0)
	{
		if (b->months > 0)
			appendStringInfoChar(buf, ' ');
		if (b->days % 7 == 0)
			appendStringInfo(buf, "%d %s", b->days / 7, b->days == 7 ? "week" : "weeks");
		else
			appendStringInfo(buf, "%d %s", b->days, b->days == 1 ? "day" : "days");
	}
	if (b->months == 0 && b->days == 0)
		appendStringInfoString(buf, "0 days");
}

Datum
cadence_out(PG_FUNCTION_ARGS)
{
	Cadence    *c = PG_GETARG_CADENCE_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	append_bound(&buf, &c->lower);
	appendStringInfoString(&buf, "..");
	append_bound(&buf, &c->upper);
	PG_RETURN_CSTRING(buf.data);
}

/* Binary form: four big-endian int32, lower months, lower days, upper months, upper days. */
Datum
cadence_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	Cadence    *c = palloc0(sizeof(Cadence));

	rbp_recv_need(msg, 16, "rbp.cadence");
	c->lower.months = pq_getmsgint(msg, 4);
	c->lower.days = pq_getmsgint(msg, 4);
	c->upper.months = pq_getmsgint(msg, 4);
	c->upper.days = pq_getmsgint(msg, 4);
	cadence_validate(c);
	PG_RETURN_CADENCE_P(c);
}

Datum
cadence_send(PG_FUNCTION_ARGS)
{
	Cadence    *c = PG_GETARG_CADENCE_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, c->lower.months);
	pq_sendint32(&buf, c->lower.days);
	pq_sendint32(&buf, c->upper.months);
	pq_sendint32(&buf, c->upper.days);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static bool
cadence_equal(const Cadence *a, const Cadence *b)
{
	return a->lower.months == b->lower.months && a->lower.days == b->lower.days &&
		a->upper.months == b->upper.months && a->upper.days == b->upper.days;
}

/* Equality is by stored lengths: '4 weeks..8 weeks' = '28 days..56 days', but '1 month' is not '30 days'. */
Datum
cadence_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cadence_equal(PG_GETARG_CADENCE_P(0), PG_GETARG_CADENCE_P(1)));
}

Datum
cadence_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!cadence_equal(PG_GETARG_CADENCE_P(0), PG_GETARG_CADENCE_P(1)));
}

Datum
cadence_hash(PG_FUNCTION_ARGS)
{
	Cadence    *c = PG_GETARG_CADENCE_P(0);
	int32		v[4] = {c->lower.months, c->lower.days, c->upper.months, c->upper.days};

	return hash_any((const unsigned char *) v, sizeof(v));
}

/* An interval as a bound: only its months and days; a time part or a negative part is refused. */
static void
interval_to_bound(const Interval *iv, CadenceBound *b, const char *which)
{
	if (iv->time != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s bound of a cadence must be whole days, weeks, months or years", which),
				 errdetail("Hours, minutes and seconds would make due dates depend on the time of day.")));
	b->months = iv->month;
	b->days = iv->day;
}

Datum
cadence_from_intervals(PG_FUNCTION_ARGS)
{
	Cadence    *c = palloc0(sizeof(Cadence));

	interval_to_bound(PG_GETARG_INTERVAL_P(0), &c->lower, "lower");
	interval_to_bound(PG_GETARG_INTERVAL_P(1), &c->upper, "upper");
	cadence_validate(c);
	PG_RETURN_CADENCE_P(c);
}

static Interval *
bound_to_interval(const CadenceBound *b)
{
	Interval   *iv = palloc0(sizeof(Interval));

	iv->month = b->months;
	iv->day = b->days;
	iv->time = 0;
	return iv;
}

Datum
cadence_lower(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(bound_to_interval(&PG_GETARG_CADENCE_P(0)->lower));
}

Datum
cadence_upper(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(bound_to_interval(&PG_GETARG_CADENCE_P(0)->upper));
}

/*
 * anchor + months (day of month clamped to the target month's length) + days. Infinite anchors stay
 * infinite. Raises 22008 when the result leaves the range of date.
 */
static DateADT
date_add_months_days(DateADT anchor, int64 months, int64 days)
{
	int			year;
	int			month;
	int			mday;
	int64		total;
	int64		jd;

	if (DATE_NOT_FINITE(anchor))
		return anchor;
	j2date(anchor + POSTGRES_EPOCH_JDATE, &year, &month, &mday);
	total = (int64) year * 12 + (month - 1) + months;
	/* far outside the range of date: refuse before int overflow */
	if (total < 0 || total > (int64) 6000000 * 12)
		goto out_of_range;
	year = (int) (total / 12);
	month = (int) (total % 12) + 1;
	if (mday > day_tab[isleap(year)][month - 1])
		mday = day_tab[isleap(year)][month - 1];
	jd = (int64) date2j(year, month, mday) + days;
	if (jd < 0 || jd - POSTGRES_EPOCH_JDATE > INT_MAX)
		goto out_of_range;
	jd -= POSTGRES_EPOCH_JDATE;
	if (!IS_VALID_DATE((DateADT) jd))
		goto out_of_range;
	return (DateADT) jd;

out_of_range:
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("date out of range for cadence arithmetic")));
	return 0;					/* keep the compiler quiet */
}

/* rbp.add_months_days(date, months, days): the month rule of the cadence type, exposed for tests. */
Datum
cadence_add_months_days(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(date_add_months_days(PG_GETARG_DATEADT(0), PG_GETARG_INT32(1), PG_GETARG_INT32(2)));
}

Datum
cadence_due_from(PG_FUNCTION_ARGS)
{
	Cadence    *c = PG_GETARG_CADENCE_P(0);

	PG_RETURN_DATEADT(date_add_months_days(PG_GETARG_DATEADT(1), c->lower.months, c->lower.days));
}

Datum
cadence_overdue_from(PG_FUNCTION_ARGS)
{
	Cadence    *c = PG_GETARG_CADENCE_P(0);

	PG_RETURN_DATEADT(date_add_months_days(PG_GETARG_DATEADT(1), c->upper.months, c->upper.days));
}

/*
 * rbp.cadence_windows(cadence, anchor, until) → (n, due_from, overdue_from): the windows that follow
 * the anchor when each invitation is issued on the day it falls due, while due_from <= until.
 * Window n is counted from the anchor itself (anchor + n × lower, and anchor + (n-1) × lower + upper),
 * so a 31st stays a 31st in the months that have one instead of drifting to the 28th.
 */
typedef struct CadenceWindowsState
{
	Cadence		c;
	DateADT		anchor;
	DateADT		until;
} CadenceWindowsState;

Datum
cadence_windows(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	CadenceWindowsState *st;
	int64		n;
	DateADT		due;
	DateADT		overdue;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcontext;
		TupleDesc	tupdesc;
		DateADT		anchor = PG_GETARG_DATEADT(1);
		DateADT		until = PG_GETARG_DATEADT(2);

		if (DATE_NOT_FINITE(anchor) || DATE_NOT_FINITE(until))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cadence windows need a finite anchor and a finite end date")));
		funcctx = SRF_FIRSTCALL_INIT();
		oldcontext = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		/* The SQL declaration returns a table: anything else is an internal error. */
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "rbp.cadence_windows: the declared result is not a row type");
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		st = palloc(sizeof(CadenceWindowsState));
		st->c = *PG_GETARG_CADENCE_P(0);
		st->anchor = anchor;
		st->until = until;
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(oldcontext);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (CadenceWindowsState *) funcctx->user_fctx;
	n = (int64) funcctx->call_cntr + 1;

	/* the lower bound is at least one day, so this ends after at most (until - anchor) windows */
	due = date_add_months_days(st->anchor, n * st->c.lower.months, n * st->c.lower.days);
	if (due > st->until)
		SRF_RETURN_DONE(funcctx);
	overdue = date_add_months_days(st->anchor,
								   (n - 1) * st->c.lower.months + st->c.upper.months,
								   (n - 1) * st->c.lower.days + st->c.upper.days);
	values[0] = Int32GetDatum((int32) n);
	values[1] = DateADTGetDatum(due);
	values[2] = DateADTGetDatum(overdue);
	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}
