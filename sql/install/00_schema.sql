-- feedback_rbp install script, assembled by the Makefile from sql/install/*.sql in name order.
\echo Use "CREATE EXTENSION feedback_rbp" to load this file. \quit

-- The extension's schema is created by CREATE EXTENSION (schema = rbp in the control file).
COMMENT ON SCHEMA rbp IS 'feedback_rbp: families'' evaluations of relationship-based social work';
