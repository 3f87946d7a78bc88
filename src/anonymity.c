/*
 * anonymity.c — rbp.anonymity, the level of anonymity a family chooses when it gives feedback.
 *
 * Three levels, ordered from least to most anonymous: named < worker_only < anonymous. A value is
 * one byte passed by value: 1 named, 2 worker_only, 3 anonymous (0 and 4..255 are never valid; the
 * binary send/receive form is that same byte). Text input is case-insensitive and ignores
 * surrounding white space; output is the canonical lower-case name. The comparison, btree and
 * hash support functions make the type sortable, indexable, groupable and hash-joinable, and
 * anonymity_change_allowed() states the one-way rule: a response may only become more anonymous.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "binary.h"

typedef uint8 Anonymity;

#define ANONYMITY_NAMED			1
#define ANONYMITY_WORKER_ONLY	2
#define ANONYMITY_ANONYMOUS		3

#define DatumGetAnonymity(d)	((Anonymity) DatumGetUInt8(d))
#define AnonymityGetDatum(a)	UInt8GetDatum(a)
#define PG_GETARG_ANONYMITY(n)	DatumGetAnonymity(PG_GETARG_DATUM(n))
#define PG_RETURN_ANONYMITY(a)	return AnonymityGetDatum(a)

#define ANONYMITY_ACCEPTED "named, worker_only, anonymous"

/* Canonical names, indexed by the level's byte. */
static const char *const anonymity_names[] = {NULL, "named", "worker_only", "anonymous"};

static inline bool
anonymity_is_valid(int code)
{
	return code >= ANONYMITY_NAMED && code <= ANONYMITY_ANONYMOUS;
}

PG_FUNCTION_INFO_V1(anonymity_in);
Datum
anonymity_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *start = str;
	const char *end;
	size_t		len;
	int			code;

	while (*start && isspace((unsigned char) *start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	len = end - start;

	for (code = ANONYMITY_NAMED; code <= ANONYMITY_ANONYMOUS; code++)
	{
		const char *name = anonymity_names[code];

		if (len == strlen(name) && pg_strncasecmp(start, name, len) == 0)
			PG_RETURN_ANONYMITY((Anonymity) code);
	}

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type rbp.anonymity: \"%s\"", str),
			 errdetail("The accepted values are " ANONYMITY_ACCEPTED
					   " (from least to most anonymous), in any letter case.")));
	PG_RETURN_NULL();			/* not reached */
}

PG_FUNCTION_INFO_V1(anonymity_out);
Datum
anonymity_out(PG_FUNCTION_ARGS)
{
	Anonymity	a = PG_GETARG_ANONYMITY(0);

	if (!anonymity_is_valid(a))
		elog(ERROR, "corrupt rbp.anonymity value %d", (int) a);
	PG_RETURN_CSTRING(pstrdup(anonymity_names[a]));
}

PG_FUNCTION_INFO_V1(anonymity_recv);
Datum
anonymity_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			code;

	rbp_recv_need(buf, 1, "rbp.anonymity");
	code = pq_getmsgbyte(buf);

	if (!anonymity_is_valid(code))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary rbp.anonymity value %d", code),
				 errdetail("The binary form is one byte: 1 named, 2 worker_only, 3 anonymous.")));
	PG_RETURN_ANONYMITY((Anonymity) code);
}

PG_FUNCTION_INFO_V1(anonymity_send);
Datum
anonymity_send(PG_FUNCTION_ARGS)
{
	Anonymity	a = PG_GETARG_ANONYMITY(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, a);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Comparison: the byte order is the order from least to most anonymous. */
PG_FUNCTION_INFO_V1(anonymity_eq);
Datum
anonymity_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) == PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_ne);
Datum
anonymity_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) != PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_lt);
Datum
anonymity_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) < PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_le);
Datum
anonymity_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) <= PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_gt);
Datum
anonymity_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) > PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_ge);
Datum
anonymity_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(0) >= PG_GETARG_ANONYMITY(1));
}

PG_FUNCTION_INFO_V1(anonymity_cmp);
Datum
anonymity_cmp(PG_FUNCTION_ARGS)
{
	Anonymity	a = PG_GETARG_ANONYMITY(0);
	Anonymity	b = PG_GETARG_ANONYMITY(1);

	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

PG_FUNCTION_INFO_V1(anonymity_hash);
Datum
anonymity_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_ANONYMITY(0));
}

PG_FUNCTION_INFO_V1(anonymity_hash_extended);
Datum
anonymity_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_ANONYMITY(0), (uint64) PG_GETARG_INT64(1));
}

/*
 * The one-way rule (G2): a response may keep its level or move to a more anonymous one, never to
 * a less anonymous one.
 */
PG_FUNCTION_INFO_V1(anonymity_change_allowed);
Datum
anonymity_change_allowed(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_ANONYMITY(1) >= PG_GETARG_ANONYMITY(0));
}
