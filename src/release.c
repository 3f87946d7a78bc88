/*
 * release.c — the randomness of held-feedback releases (guarantee G1, doc/threat-model.md).
 *
 * When held anonymous or worker-only responses are released, the order in which they are written
 * and the ids they are given must be unpredictable to every session, including the one that runs
 * the release: random() and gen_random_uuid()'s callers could be steered or replayed with
 * setseed(), and nothing a session can set may change what is released or in what order. So every
 * random choice of a release comes from here, and here only from the operating system's
 * cryptographic source (pg_strong_random), which no setting, seed or search path reaches:
 *
 *   rbp.release_uuid()          a fresh version 4 UUID for a released response;
 *   rbp.release_key()           a random 63-bit sort key (ORDER BY it to shuffle rows);
 *   rbp.release_permutation(n)  the numbers 1..n in uniformly random order (Fisher-Yates with
 *                               rejection sampling, so no position is more likely than another).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "port.h"
#include "utils/array.h"
#include "utils/uuid.h"

PG_FUNCTION_INFO_V1(release_uuid);
PG_FUNCTION_INFO_V1(release_key);
PG_FUNCTION_INFO_V1(release_permutation);

/* The largest batch a release shuffles at once; far above any caseload, it bounds the memory used. */
#define RELEASE_MAX_BATCH	10000000

static void
strong_random_or_error(void *buf, size_t len)
{
	if (!pg_strong_random(buf, len))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not draw random bytes for a release"),
				 errdetail("The operating system's cryptographic random source failed; nothing was released.")));
}

/* A uniformly random integer in [0, bound), bound > 0, without modulo bias. */
static uint32
strong_random_below(uint32 bound)
{
	uint32		limit = UINT32_MAX - (UINT32_MAX % bound);
	uint32		r;

	do
		strong_random_or_error(&r, sizeof(r));
	while (r >= limit);
	return r % bound;
}

Datum
release_uuid(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = palloc(sizeof(pg_uuid_t));

	strong_random_or_error(uuid->data, UUID_LEN);
	uuid->data[6] = (uuid->data[6] & 0x0f) | 0x40;	/* version 4 */
	uuid->data[8] = (uuid->data[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	PG_RETURN_UUID_P(uuid);
}

Datum
release_key(PG_FUNCTION_ARGS)
{
	uint64		r;

	strong_random_or_error(&r, sizeof(r));
	PG_RETURN_INT64((int64) (r >> 1));
}

Datum
release_permutation(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	Datum	   *elems;
	int32		i;

	if (n < 0 || n > RELEASE_MAX_BATCH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a release permutation needs between 0 and %d elements, not %d", RELEASE_MAX_BATCH, n)));
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));

	elems = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		elems[i] = Int32GetDatum(i + 1);
	/* Fisher-Yates: position i takes a uniformly chosen element of positions 0..i. */
	for (i = n - 1; i > 0; i--)
	{
		uint32		j = strong_random_below((uint32) i + 1);
		Datum		t = elems[i];

		elems[i] = elems[j];
		elems[j] = t;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}
