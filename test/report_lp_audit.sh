#!/usr/bin/env bash
# test/report_lp_audit.sh — the exact audit of published reports (guarantee G3, doc/reports.md).
#
# Publishes the report fixtures (test/fixtures/reports_fixture.sql; reports_hard_fixture.sql: small
# workers, a unanimous team, financial-year periods nested in a year, a named family answering
# twice; reports_random_fixture.sql: a random authority, drawn anew at each run from a printed seed)
# with CALL rbp.publish_reports, committed period by period, then, for every
# published year and every published quarter outside one, writes the whole model a reader knows
# (every count shown, every suppressed count as an integer variable >= 1 for a c cell or >= 0 for
# a point or a part never published, every relation) as an integer linear programme and asks GLPK
# (its simplex, through test/lp/lp_bounds.c; the model is the LP file glpsol reads too) for the
# least and the greatest value of each suppressed count, rounded inwards to integers. A count whose range
# holds fewer than three integers fails the test.
#
# It also writes the reader's model independently, from the report views alone
# (test/lp/view_model.sql: every number shown, an unknown remainder under every total, the
# relations doc/reports.md lists), for every authority and all its periods at once, and audits it
# the same way. Then it publishes the same data again with secondary suppression switched off
# (primary only) and checks that both audits do find narrow counts: the audits can fail.
#
# Run by test/run (make test) against its throwaway cluster; prints TAP lines.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/rbp_lp_audit.XXXXXX)"
chmod 777 "$work"
trap 'rm -rf "$work"' EXIT
command -v glpsol >/dev/null || { echo "not ok 1 - glpsol (Debian package glpk-utils) is not installed"; exit 1; }
# the solver driver: GLPK's simplex, warm-started from one objective to the next
gcc -O2 -Wall -Wextra -o "$work/lp_bounds" "$here/lp/lp_bounds.c" -l:libglpk.so.40 -lm

db=rbp_lp_audit
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# the random fixture's seed (replay a failure with RBP_REPORT_SEED=<seed>)
seed="${RBP_REPORT_SEED:-0.$(printf '%04d' $((RANDOM % 10000)))}"
echo "# random fixture seed: $seed"
setup() {
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    q -v seed="$seed" -c "SET client_min_messages = warning" -c "CREATE EXTENSION feedback_rbp" \
      -f "$here/fixtures/reports_fixture.sql" -f "$here/fixtures/reports_hard_fixture.sql" \
      -f "$here/fixtures/reports_random_fixture.sql" >/dev/null
}

# audit LABEL: prints "narrow checked" over every published period model of the database
audit() {
    local label="$1" narrow=0 checked=0 models
    models="$(q -c "
        SELECT p.authority_id || ' ' || p.period_kind || ' ' || p.period_start
          FROM rbp.report_publication p
         WHERE p.status = 'published' AND p.method = 2
           AND (p.period_kind = 'year' OR NOT EXISTS (
                  SELECT FROM rbp.report_publication y JOIN rbp.authority a USING (authority_id)
                   WHERE y.authority_id = p.authority_id AND y.period_kind = 'year'
                     AND y.period_start = rbp.report_year_start(p.period_start, a.year_start_month)))
         ORDER BY 1")"
    while read -r aid kind start; do
        [ -n "$aid" ] || continue
        local base="$work/m_${aid}_${kind}_${start}"
        # the model as stored: constraints and bounds in CPLEX LP format; the suppressed variables
        q >/dev/null <<SQL
BEGIN;
SELECT rbp.report_load_model($aid, '$kind', '$start', true, rbp.suppression_threshold());
\\copy (SELECT line FROM (SELECT 1 AS s, 0 AS o, 'Subject To' AS line UNION ALL SELECT 2, r.n, ' r' || r.n || ': ' || string_agg(CASE WHEN t.coef > 0 THEN '+ ' ELSE '- ' END || 'x' || t.var_no, ' ' ORDER BY t.var_no) || CASE WHEN bool_and(t.eq) THEN ' = 0' ELSE ' >= 0' END FROM pg_temp.report_run_term t JOIN (SELECT rel_key, row_number() OVER (ORDER BY rel_key) AS n FROM (SELECT DISTINCT rel_key FROM pg_temp.report_run_term) k) r USING (rel_key) GROUP BY r.n UNION ALL SELECT 3, 0, 'Bounds' UNION ALL SELECT 4, v.var_no, CASE WHEN v.hidden THEN ' x' || v.var_no || ' >= ' || v.lower ELSE ' x' || v.var_no || ' = ' || v.value END FROM pg_temp.report_run_var v UNION ALL SELECT 5, 0, 'General' UNION ALL SELECT 6, v.var_no, ' x' || v.var_no FROM pg_temp.report_run_var v WHERE v.hidden UNION ALL SELECT 7, 0, 'End') x ORDER BY s, o) TO '$base.body'
\\copy (SELECT v.var_no, v.value, concat_ws('/', c.topic, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start, c.question_id, c.respondent_kind, c.theme_id, 'point' || v.point) FROM pg_temp.report_run_var v JOIN pg_temp.report_run_cell c USING (cell_no) WHERE v.hidden AND v.demand ORDER BY 1) TO '$base.hidden'
COMMIT;
SQL
        [ -s "$base.hidden" ] || continue
        { echo "Minimize"; echo " obj: x1"; cat "$base.body"; } > "$base.lp"
        cut -f1 "$base.hidden" | sed 's/^/x/' | "$work/lp_bounds" "$base.lp" > "$base.bounds"
        while IFS=$'\t' read -r var value what && read -r col lo hi <&3; do
            checked=$((checked + 1))
            if [ "$col" != "x$var" ] || [ "$lo" = error ] || [ "$hi" = error ] || [ "$lo" = missing ] \
               || { [ "$hi" != inf ] && [ $((hi - lo)) -lt 2 ]; }; then
                narrow=$((narrow + 1))
                [ "$narrow" -le 10 ] && echo "# $label: authority $aid $kind $start: $what is $value, a reader derives [$lo, $hi]" >&2
            fi
        done < "$base.hidden" 3< "$base.bounds"
    done <<< "$models"
    echo "$narrow $checked"
}

status=0
setup
notices="$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL rbp.publish_reports('2026-01-01')" 2>&1 >/dev/null)"
periods="$(q -c "SELECT count(*) FROM rbp.report_publication")"
if [ "$(grep -c 'NOTICE:  reports of .* published' <<< "$notices")" = "$periods" ] && [ "$periods" -gt 5 ]; then
    echo "ok 1 - CALL rbp.publish_reports commits $periods periods, with one NOTICE and one rbp.report_publication row each"
else
    echo "not ok 1 - CALL rbp.publish_reports: $periods periods recorded, notices:"; sed 's/^/# /' <<< "$notices"; status=1
fi
refused="$(q -c "SELECT count(*) FROM rbp.report_publication WHERE status <> 'published'")"
if [ "$refused" = 0 ]; then
    echo "ok 2 - every period of the fixtures could be protected (none refused)"
else
    echo "not ok 2 - $refused periods refused"; status=1
fi
read -r narrow checked <<< "$(audit protected)"
if [ "$narrow" = 0 ] && [ "$checked" -gt 100 ]; then
    echo "ok 3 - exact LP audit (glpsol) of the whole publication: each of $checked suppressed counts has at least three possible values"
else
    echo "not ok 3 - exact LP audit: $narrow of $checked suppressed counts have fewer than three possible values"; status=1
fi

# The reader's model written independently, from the report views alone (test/lp/view_model.sql).
view_audit() {
    local narrow=0 checked=0 code
    for code in $(q -c "SELECT code FROM rbp.authority ORDER BY code"); do
        local base="$work/v_$code"
        q -v auth="$code" -v base="$base" -f "$here/lp/view_model.sql" >/dev/null
        [ -s "$base.hidden" ] || continue
        { echo "Minimize"; echo " obj: x1"; cat "$base.body"; } > "$base.lp"
        cut -f1 "$base.hidden" | sed 's/^/x/' | "$work/lp_bounds" "$base.lp" > "$base.bounds"
        while IFS=$'\t' read -r var value what && read -r col lo hi <&3; do
            checked=$((checked + 1))
            if [ "$col" != "x$var" ] || [ "$lo" = error ] || [ "$hi" = error ] || [ "$lo" = missing ] \
               || { [ "$hi" != inf ] && [ $((hi - lo)) -lt 2 ]; }; then
                narrow=$((narrow + 1))
                [ "$narrow" -le 20 ] && echo "# views: $code: $what: a reader derives [$lo, $hi]" >&2
            fi
        done < "$base.hidden" 3< "$base.bounds"
    done
    echo "$narrow $checked"
}
read -r narrow checked <<< "$(view_audit)"
if [ "$narrow" = 0 ] && [ "$checked" -gt 100 ]; then
    echo "ok 4 - the reader's model built from the views alone, every authority and period at once: each of $checked suppressed counts has at least three possible values"
else
    echo "not ok 4 - the reader's model from the views: $narrow of $checked suppressed counts have fewer than three possible values"; status=1
fi

# The same data with secondary suppression off: the audit must find what it is there to find.
setup
q -c "SELECT rbp.report_publish_period(d.authority_id, d.period_kind, d.period_start, '2026-01-01', false)
        FROM rbp.report_due_quarters('2026-01-01', NULL) d" >/dev/null
q -c "SELECT rbp.report_publish_period(d.authority_id, d.period_kind, d.period_start, '2026-01-01', false)
        FROM rbp.report_due_years(NULL) d" >/dev/null
read -r narrow checked <<< "$(audit primary-only 2>/dev/null)"
if [ "$narrow" -gt 0 ]; then
    echo "ok 5 - with secondary suppression switched off, the same audit finds $narrow of $checked suppressed counts narrower than three values"
    read -r narrow checked <<< "$(view_audit 2>/dev/null)"
    if [ "$narrow" -gt 0 ]; then
        echo "ok 6 - and the reader's model from the views finds $narrow of $checked"
    else
        echo "not ok 6 - the reader's model from the views finds nothing when secondary suppression is off"; status=1
    fi
else
    echo "not ok 5 - with secondary suppression switched off the audit found nothing: it cannot fail"; status=1
fi
psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
echo "1..6"
exit $status
