#!/usr/bin/env bash
# test/report_lp_audit.sh — the exact audit of published reports (guarantee G3, doc/reports.md).
#
# Publishes the report fixtures with CALL rbp.publish_reports, committed period by period:
#   reports_fixture.sql       one ordinary authority;
#   reports_hard_fixture.sql  small workers, a unanimous team, financial-year quarters and months
#                             nested in a year, a named family answering twice in a quarter;
#   reports_random_fixture.sql  RBP_REPORT_RANDOM (default 3) random small authorities drawn from
#                             a seed printed below (replay with RBP_REPORT_SEED=<seed>): teams,
#                             workers, monthly counts, unanimous workers, skipped statements,
#                             families answering twice, anonymous responses — cases nobody chose.
# Then it audits EXACTLY, on integers: it writes the whole model a reader knows as an integer
# programme (every count shown fixed; every count shown as c an integer >= 1, a point or a part
# never published an integer >= 0; every relation) and GLPK (test/lp/lp_bounds.c: simplex and
# branch and bound) decides for each suppressed count whether it can take at least three INTEGER
# values — by finding integer solutions two apart, or proving over integers that there are none and
# giving the exact range. A count whose range holds fewer than three integers fails the test. Two models:
#   * the product's own (rbp.report_load_model of each published year, and of each quarter outside
#     a published year), as publish_reports audited it by interval propagation;
#   * the reader's model written independently from the report views alone (test/lp/view_model.sql):
#     each authority, all its periods and views at once, with every relation of issue 13 — a c row
#     is >= 1, a missing row is 0, entities and respondent kinds add up, points add up to their
#     statement, a statement's count bounds the all-statements count, people who scored or were
#     tagged are among those who responded, months and quarters cover their quarter and year
#     (nested periods; a family answering twice counts once in the quarter and in each month),
#     and the rounding of every mean, median, % agreeing, point share and response rate shown.
# LP bounds rounded are not enough: the integer range can be narrower than the relaxation's (the
# relations are not totally unimodular once points, statements, kinds and periods are crossed); a
# narrow count is reported with the LP relaxation's range beside it, and counted when the
# relaxation alone would have let it through.
#
# The audit can fail, and is shown failing here on publications weakened on purpose (each must be
# caught, or the test fails):
#   M1 secondary suppression skipped (primary only);
#   M2 the suppression core asked for two possible values instead of three (rbp.report_run_protect
#      mutated in the audit database: a cell a reader narrows to two values must fail);
#   M3 means, medians and % agreeing shown although a point count under them is suppressed (the
#      published cells altered: only the rounding relations of the views' model can see it).
# M1 and M2 are switches of the C core (src/suppress.c). Mutations of src/suppress.c itself, audited
# by hand with RBP_AUDIT_MUTANTS=0 (tests 1-4 only), are in doc/reports.md, "How the protection is
# checked": a point hiding only itself fails test 3 (32 narrow counts, seed 0.1234).
#
# Run by test/run (make test) against its throwaway cluster; prints TAP lines.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/rbp_lp_audit.XXXXXX)"
chmod 777 "$work"
trap 'rm -rf "$work"' EXIT
command -v glpsol >/dev/null || { echo "not ok 1 - glpsol (Debian package glpk-utils) is not installed"; exit 1; }
# the solver driver: GLPK's simplex and branch and bound
gcc -O2 -Wall -Wextra -o "$work/lp_bounds" "$here/lp/lp_bounds.c" -l:libglpk.so.40 -lm

db=rbp_lp_audit
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# the random fixtures' seed (replay a failure with RBP_REPORT_SEED=<seed>)
seed="${RBP_REPORT_SEED:-0.$(printf '%04d' $((RANDOM % 10000)))}"
nrandom="${RBP_REPORT_RANDOM:-3}"
echo "# random fixtures: $nrandom authorities, seed $seed (replay: RBP_REPORT_SEED=$seed)"
setup() {
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    q -v seed="$seed" -v nrandom="$nrandom" -c "SET client_min_messages = warning" -c "CREATE EXTENSION feedback_rbp" \
      -f "$here/fixtures/reports_fixture.sql" -f "$here/fixtures/reports_hard_fixture.sql" \
      -f "$here/fixtures/reports_random_fixture.sql" >/dev/null
}

# judge LABEL BASE: decides, for the variables listed in BASE.hidden (var, value, what), whether each
# can take at least three integer values over BASE.lp, and adds to the counters: checked, narrow
# (fewer than three integers: a disclosure), lp_missed (narrow over integers although the LP
# relaxation, rounded, leaves at least three: what an LP audit would have let through).
checked=0 narrow=0 lp_missed=0 unknown=0 first_only=
judge() {
    local label="$1" base="$2" var value what col verdict lo hi llo lhi
    cut -f1 "$base.hidden" | sed 's/^/x/' | env ${first_only:+LPB_FIRST=1} "$work/lp_bounds" "$base.lp" > "$base.bounds" \
        || echo "# $label: the solver driver failed on $base.lp" >&2
    # A column branch and bound left undecided (no integer solution two away found within its time
    # limit) is asked again with many more random starting solutions: an answer, never a pass.
    if [ -z "$first_only" ] && awk '$2 != "wide" && $2 != "narrow"' "$base.bounds" | grep -q .; then
        awk '$2 != "wide" && $2 != "narrow" {print $1}' "$base.bounds" \
            | LPB_DIV=512 "$work/lp_bounds" "$base.lp" > "$base.retry" || true
        awk 'NR == FNR { again[$1] = $0; next } ($1 in again) { print again[$1]; next } { print }' \
            "$base.retry" "$base.bounds" > "$base.bounds2" && mv "$base.bounds2" "$base.bounds"
    fi
    while IFS=$'\t' read -r var value what && read -r col verdict lo hi llo lhi <&3; do
        checked=$((checked + 1))
        if [ "$col" != "x$var" ] || { [ "$verdict" != wide ] && [ "$verdict" != narrow ]; }; then
            unknown=$((unknown + 1))    # the solver could not decide: never a pass, never a find
            [ "$unknown" -le 5 ] && echo "# $label: $what: undecided ($col $verdict $lo $hi $llo $lhi)" >&2
        elif [ "$verdict" = narrow ]; then
            narrow=$((narrow + 1))
            [ "$narrow" -le 12 ] && echo "# $label: $what (stored value $value): $verdict, a reader derives [$lo, $hi] (LP relaxation [$llo, $lhi])" >&2
            if [ "$verdict" = narrow ] && { [ "$lhi" = inf ] || [ "$llo" = -inf ] || [ $((lhi - llo)) -ge 2 ]; }; then
                lp_missed=$((lp_missed + 1))
            fi
        fi
    done < "$base.hidden" 3< "$base.bounds"
    return 0
}

# The product's model of every published year, and of every quarter outside a published year.
product_audit() {
    local label="$1" models aid kind start base
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
        [ -n "$first_only" ] && [ "$narrow" -gt 0 ] && break
        base="$work/m_${aid}_${kind}_${start}"
        q >/dev/null <<SQL
BEGIN;
SELECT rbp.report_load_model($aid, '$kind', '$start', true, rbp.suppression_threshold());
\\copy (SELECT line FROM (SELECT 1 AS s, 0 AS o, 'Subject To' AS line UNION ALL SELECT 2, r.n, ' r' || r.n || ': ' || string_agg(CASE WHEN t.coef > 0 THEN '+ ' ELSE '- ' END || 'x' || t.var_no, ' ' ORDER BY t.var_no) || CASE WHEN bool_and(t.eq) THEN ' = 0' ELSE ' >= 0' END FROM pg_temp.report_run_term t JOIN (SELECT rel_key, row_number() OVER (ORDER BY rel_key) AS n FROM (SELECT DISTINCT rel_key FROM pg_temp.report_run_term) k) r USING (rel_key) GROUP BY r.n UNION ALL SELECT 3, 0, 'Bounds' UNION ALL SELECT 4, v.var_no, CASE WHEN v.hidden THEN ' x' || v.var_no || ' >= ' || v.lower ELSE ' x' || v.var_no || ' = ' || v.value END FROM pg_temp.report_run_var v UNION ALL SELECT 5, 0, 'General' UNION ALL SELECT 6, v.var_no, ' x' || v.var_no FROM pg_temp.report_run_var v WHERE v.hidden UNION ALL SELECT 7, 0, 'End') x ORDER BY s, o) TO '$base.body'
\\copy (SELECT v.var_no, v.value, concat_ws('/', c.topic, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start, c.question_id, c.respondent_kind, c.theme_id, 'point' || v.point) FROM pg_temp.report_run_var v JOIN pg_temp.report_run_cell c USING (cell_no) WHERE v.hidden AND v.demand ORDER BY 1) TO '$base.hidden'
COMMIT;
SQL
        [ -s "$base.hidden" ] || continue
        { echo "Minimize"; echo " obj: x1"; cat "$base.body"; } > "$base.lp"
        judge "$label: authority $aid $kind $start" "$base"
    done <<< "$models"
    return 0
}

# The reader's model written independently, from the report views alone (test/lp/view_model.sql).
view_audit() {
    local label="$1" code base
    for code in $(q -c "SELECT code FROM rbp.authority ORDER BY code"); do
        [ -n "$first_only" ] && [ "$narrow" -gt 0 ] && break
        base="$work/v_$code"
        q -v auth="$code" -v base="$base" -f "$here/lp/view_model.sql" >/dev/null
        [ -s "$base.hidden" ] || continue
        { echo "Minimize"; echo " obj: x1"; cat "$base.body"; } > "$base.lp"
        judge "$label: views of $code" "$base"
    done
    return 0
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

checked=0 narrow=0 lp_missed=0 unknown=0
product_audit protected
if [ "$narrow" = 0 ] && [ "$unknown" = 0 ] && [ "$checked" -gt 100 ]; then
    echo "ok 3 - exact integer audit (GLPK branch and bound) of the product's model: each of $checked suppressed counts has at least three possible integer values"
else
    echo "not ok 3 - exact integer audit of the product's model: $narrow of $checked suppressed counts have fewer than three possible values ($lp_missed of them wide in the LP relaxation), $unknown undecided"; status=1
fi

checked=0 narrow=0 lp_missed=0 unknown=0
view_audit views
if [ "$narrow" = 0 ] && [ "$unknown" = 0 ] && [ "$checked" -gt 100 ]; then
    echo "ok 4 - exact integer audit of the reader's model from the views alone (every authority, period and view at once, rounding included): each of $checked suppressed counts has at least three possible integer values"
else
    echo "not ok 4 - the reader's model from the views: $narrow of $checked suppressed counts have fewer than three possible values ($lp_missed of them wide in the LP relaxation), $unknown undecided"; status=1
fi

# RBP_AUDIT_MUTANTS=0 stops here (to audit a build of src/suppress.c mutated by hand).
if [ "${RBP_AUDIT_MUTANTS:-1}" = 0 ]; then
    psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
    echo "1..4"
    exit $status
fi

# The mutants: each audit stops at its first narrow count (first_only), which is all it must find.
first_only=1

# M1: the same data with secondary suppression off: the audit must find what it is there to find.
setup
q -c "SELECT rbp.report_publish_period(d.authority_id, d.period_kind, d.period_start, '2026-01-01', false)
        FROM rbp.report_due_quarters('2026-01-01', NULL) d" >/dev/null
q -c "SELECT rbp.report_publish_period(d.authority_id, d.period_kind, d.period_start, '2026-01-01', false)
        FROM rbp.report_due_years(NULL) d" >/dev/null
checked=0 narrow=0 lp_missed=0 unknown=0
product_audit M1 2>/dev/null
if [ "$narrow" -gt 0 ]; then
    echo "ok 5 - M1 (secondary suppression skipped): the product's model audit finds a suppressed count narrower than three values (after $checked)"
else
    echo "not ok 5 - M1 (secondary suppression skipped): the audit found nothing: it cannot fail"; status=1
fi
checked=0 narrow=0 lp_missed=0 unknown=0
view_audit M1 2>/dev/null
if [ "$narrow" -gt 0 ]; then
    echo "ok 6 - M1: and the reader's model from the views finds one (after $checked)"
else
    echo "not ok 6 - M1: the reader's model from the views finds nothing when secondary suppression is off"; status=1
fi

# M2: the suppression core content with two possible values: some cell pinned to two must fail.
setup
def="$(q -c "SELECT pg_get_functiondef('rbp.report_run_protect(boolean)'::regprocedure)")"
grep -q '3, p_secondary)' <<< "$def" || { echo "not ok 7 - M2 does not apply: rbp.report_run_protect no longer passes 3, p_secondary"; status=1; }
q -c "${def/3, p_secondary)/2, p_secondary)}" >/dev/null
q -c "SET client_min_messages = warning" -c "CALL rbp.publish_reports('2026-01-01')" >/dev/null
checked=0 narrow=0 lp_missed=0 unknown=0
product_audit M2 2>/dev/null
m2_product=$narrow
checked=0 narrow=0 lp_missed=0 unknown=0
view_audit M2 2>/dev/null
if [ "$m2_product" -gt 0 ] && [ "$narrow" -gt 0 ]; then
    echo "ok 7 - M2 (protection asked for two values, not three): the product's model audit finds $m2_product, the views' one, with fewer than three"
else
    echo "not ok 7 - M2: the audits found $m2_product and $narrow narrow counts: they do not tell two values from three"; status=1
fi

# M3: means, medians and % agreeing shown over suppressed point counts (the correct publication of
# M2's database is not needed: publish properly, then break the rule in the stored cells).
setup
q -c "SET client_min_messages = warning" -c "CALL rbp.publish_reports('2026-01-01')" >/dev/null
q -c "UPDATE rbp.report_cell SET share_hidden = false WHERE topic = 'scores' AND NOT hidden AND respondent_kind IS NULL" >/dev/null
checked=0 narrow=0 lp_missed=0 unknown=0
view_audit M3 2>/dev/null
if [ "$narrow" -gt 0 ]; then
    echo "ok 8 - M3 (means, medians and % shown over suppressed point counts): the reader's model with its rounding relations finds a suppressed count narrower than three values (after $checked)"
else
    echo "not ok 8 - M3: the rounding relations found nothing when means are shown over suppressed points"; status=1
fi

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
echo "1..8"
exit $status
