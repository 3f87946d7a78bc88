CREATE FUNCTION rbp.new_invitation_token() RETURNS text
    AS 'MODULE_PATHNAME', 'new_invitation_token'
    LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION rbp.new_invitation_token() IS
    'A fresh unguessable invitation token: 192 bits from the operating system''s cryptographic random source, as 32 URL-safe characters';
