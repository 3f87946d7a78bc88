-- Every pg_regress file after this one runs in the database where the extension was created here.
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT extname, extversion = (SELECT default_version FROM pg_available_extensions WHERE name = extname) AS is_default_version,
       extrelocatable, nspname
  FROM pg_extension JOIN pg_namespace ON pg_namespace.oid = extnamespace
 WHERE extname = 'feedback_rbp';
