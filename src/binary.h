/*
 * binary.h — reading the binary forms of the extension's types (their recv functions).
 *
 * A recv function is handed the bytes of one value (binary COPY, a binary parameter of the
 * extended protocol, a record or array element). PostgreSQL's pq_getmsg* readers report a value
 * that is too short as a protocol violation (08P01), which reads to a client as a broken
 * connection. The values are data, so a short one is an invalid binary representation (22P03):
 * every recv function first checks that the bytes it is about to read are there.
 */
#ifndef FEEDBACK_RBP_BINARY_H
#define FEEDBACK_RBP_BINARY_H

#include "postgres.h"
#include "lib/stringinfo.h"

static inline void
rbp_recv_need(StringInfo buf, int nbytes, const char *type_name)
{
	if (buf->len - buf->cursor < nbytes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("binary %s value is too short", type_name),
				 errdetail_plural("%d more byte was expected, %d left.", "%d more bytes were expected, %d left.",
								  nbytes, nbytes, buf->len - buf->cursor)));
}

#endif
