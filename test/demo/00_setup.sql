-- make demo: the extension at work on an example authority. Each test/demo/NN_*.sql is one chapter.
\pset border 2
\echo '== feedback_rbp: installing the extension =='
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT extname AS extension, extversion AS version FROM pg_extension WHERE extname = 'feedback_rbp';
