# test/upgrade/gen_null_arguments.py — regenerates sql/upgrade/0.1.0--0.2.0/87_null_arguments.sql from the
# install pieces (run from the top of the tree: python3 test/upgrade/gen_null_arguments.py). Whoever
# changes one of the functions listed below changes its install piece and runs this again.
import re,glob
NEW=['required']
CHANGED='''register_authority staff_id_of team_id_of respondent_id_of involvement_id_of public_authority_id_of instrument_id_of authority_id_of
map_login set_suppression_threshold close_involvement end_supervision unmap_staff_login open_involvement register_staff
register_team allocate_worker register_supervision register_team_manager issue_invitation open_invitation survey_questions
support_options tag_response schedule_status end_team_manager hand_over_supervision record_leaver merge_families
merge_family_members routed_item survey_form submit_fhir_response publish_instrument_version record_supervision_review'''.split()
out=['''-- 0.1.0 -> 0.2.0, red-team findings F3 ("a required argument is never NULL": rbp.required in
-- sql/install/25_identity.sql), F14 (each respondent kind has exactly one questionnaire) and F15 (no
-- supervision review dated before QA released the item). Generated from the install
-- pieces: every function below is the install piece's text as CREATE OR REPLACE (which also drops
-- STRICT where the install piece no longer has it). It runs after the other pieces, so these bodies
-- are the final ones: whoever changes one of these functions regenerates this piece\n-- (python3 test/upgrade/gen_null_arguments.py).
''']
def statements(s, fn):
    res=[]
    for m in re.finditer(r'^CREATE FUNCTION rbp\.%s\(' % re.escape(fn), s, re.M):
        a=s.index('AS $$', m.start()); e=s.index('$$;', a+5)+3
        # a one-line body: AS $$ ... $$; handled by index of '$$;' after 'AS $$'
        res.append(s[m.start():e])
    return res
src={p:open(p).read() for p in sorted(glob.glob('sql/install/*.sql'))}
for fn in NEW+CHANGED:
    found=False
    for p,s in src.items():
        for st in statements(s, fn):
            found=True
            if fn in NEW:
                out.append(st+'\n')
                # its COMMENT and REVOKE
                i=s.index(st)+len(st)
                rest=s[i:i+800].split('\n\n')[0]
                out.append(rest.strip('\n')+'\n')
            else:
                out.append(st.replace('CREATE FUNCTION','CREATE OR REPLACE FUNCTION',1)+'\n')
    assert found, fn
open('sql/upgrade/0.1.0--0.2.0/87_null_arguments.sql','w').write('\n'.join(out))
