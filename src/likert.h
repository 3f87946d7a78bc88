/*
 * likert.h — the one-byte encoding of rbp.likert, shared by every C file that reads or builds one.
 *
 * A value carries its own scale so that a function or aggregate receiving it can never confuse a
 * 4 on a 5-point scale with a 4 on a 10-point dial: the high nibble is the number of points
 * (2..10), the low nibble the value (1..points). The byte 0 is never a valid value. Within one
 * scale the byte order is the value order, so comparisons are byte comparisons once the scales
 * have been checked to agree.
 */
#ifndef FEEDBACK_RBP_LIKERT_H
#define FEEDBACK_RBP_LIKERT_H

#include "postgres.h"
#include "fmgr.h"

typedef uint8 Likert;

#define LIKERT_MIN_POINTS		2
#define LIKERT_MAX_POINTS		10
#define LIKERT_DEFAULT_POINTS	5

#define LIKERT_MAKE(value, points)	((Likert) ((((unsigned) (points)) << 4) | ((unsigned) (value))))
#define LIKERT_VALUE(l)				((int) ((l) & 0x0F))
#define LIKERT_POINTS(l)			((int) (((l) >> 4) & 0x0F))

#define DatumGetLikert(d)		((Likert) DatumGetUInt8(d))
#define LikertGetDatum(l)		UInt8GetDatum(l)
#define PG_GETARG_LIKERT(n)		DatumGetLikert(PG_GETARG_DATUM(n))
#define PG_RETURN_LIKERT(l)		return LikertGetDatum(l)

#endif							/* FEEDBACK_RBP_LIKERT_H */
