-- Binary input of every type of the extension: a value shorter than its binary form is an invalid
-- binary representation (22P03), never a protocol violation (08P01) that would read as a broken
-- connection (src/binary.h). Each file is one binary COPY row of one field, made by printf:
-- header, field count 1, the field's length and bytes, trailer.
\set VERBOSITY sqlstate
CREATE TEMP TABLE recv_likert (v rbp.likert);
CREATE TEMP TABLE recv_anonymity (v rbp.anonymity);
CREATE TEMP TABLE recv_distribution (v rbp.likert_distribution);
CREATE TEMP TABLE recv_cadence (v rbp.cadence);
-- zero bytes
\copy recv_likert FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
\copy recv_anonymity FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
\copy recv_distribution FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
\copy recv_cadence FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
-- a distribution announcing 5 points but carrying only its points field (4 bytes)
\copy recv_distribution FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\4\\0\\0\\0\\5\\377\\377"' (FORMAT binary)
-- a cadence of 8 bytes instead of 16
\copy recv_cadence FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\10\\0\\0\\0\\2\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
-- and the right lengths are read (one byte each; a 2-point distribution of 0 answers; 2..3 months)
\copy recv_likert FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\1\\124\\377\\377"' (FORMAT binary)
\copy recv_anonymity FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\1\\2\\377\\377"' (FORMAT binary)
\copy recv_cadence FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\20\\0\\0\\0\\2\\0\\0\\0\\0\\0\\0\\0\\3\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
SELECT (SELECT v::text FROM recv_likert) AS likert, (SELECT v::text FROM recv_anonymity) AS anonymity,
       (SELECT v::text FROM recv_cadence) AS cadence;
