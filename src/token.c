/*
 * token.c — unguessable invitation tokens.
 *
 * An invitation reaches a family as a link or QR code carrying a token. The token must not be
 * guessable from other tokens, ids or the time of issue, so it comes from the operating system's
 * cryptographic random source (pg_strong_random), never from random() or a sequence. Only a hash
 * of it is stored (see sql/install/31_invitation.sql): whoever reads the invitation table cannot
 * answer in a family's name.
 */
#include "postgres.h"

#include "fmgr.h"
#include "port.h"
#include "utils/builtins.h"

/* 24 random bytes = 192 bits, written as 32 characters of URL-safe base64 (no padding). */
#define TOKEN_RANDOM_BYTES	24
#define TOKEN_TEXT_LENGTH	32

static const char token_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

PG_FUNCTION_INFO_V1(new_invitation_token);

Datum
new_invitation_token(PG_FUNCTION_ARGS)
{
	uint8		random_bytes[TOKEN_RANDOM_BYTES];
	char		text_form[TOKEN_TEXT_LENGTH + 1];
	int			in;
	int			out = 0;

	if (!pg_strong_random(random_bytes, sizeof(random_bytes)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random invitation token"),
				 errdetail("The operating system's cryptographic random source failed.")));

	/* Every 3 bytes become 4 characters of 6 bits each. */
	for (in = 0; in < TOKEN_RANDOM_BYTES; in += 3)
	{
		uint32		group = ((uint32) random_bytes[in] << 16) |
			((uint32) random_bytes[in + 1] << 8) |
			(uint32) random_bytes[in + 2];

		text_form[out++] = token_alphabet[(group >> 18) & 0x3F];
		text_form[out++] = token_alphabet[(group >> 12) & 0x3F];
		text_form[out++] = token_alphabet[(group >> 6) & 0x3F];
		text_form[out++] = token_alphabet[group & 0x3F];
	}
	text_form[out] = '\0';

	PG_RETURN_TEXT_P(cstring_to_text(text_form));
}
