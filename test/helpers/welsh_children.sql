-- Test fixture: a Welsh (cy) translation of the children's dials, run as the administrator after
-- two_authorities.sql. The Welsh is illustrative test data, not a checked translation.
SET ROLE t_admin;
SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy',
    'Y 5 Uchaf: ti a dy weithiwr cymdeithasol',
    'Dewisodd pobl ifanc ac ymarferwyr y pum peth pwysicaf am berthynas gefnogol gyda gweithiwr cymdeithasol. Tro bob deial i ddangos sut mae hi i ti. Gelli di hepgor unrhyw un.',
    jsonb_build_object(
        'dial_respected', 'Dw i''n teimlo fy mod yn cael fy mharchu',
        'dial_empowered', 'Mae''n fy ngrymuso ac yn fy ngalluogi i wneud penderfyniadau drosof fy hun',
        'dial_mutual_trust', 'Mae wedi''i seilio ar ymddiriedaeth y naill at y llall',
        'dial_listened_to', 'Dw i''n teimlo bod rhywun yn gwrando arna i, yn fy neall ac yn fy nghlywed',
        'dial_safe', 'Mae''n gwneud i mi deimlo''n ddiogel',
        'anything_else', 'Oes unrhyw beth arall yr hoffet ti ei ddweud wrthym ni?')) \g /dev/null
SELECT rbp.set_glossary_translation('safe', 'cy', 'diogel', 'Mae''r berthynas yn gwneud i ti deimlo''n ddiogel.') \g /dev/null
SELECT rbp.set_form_text('cy', 'dial.low', 'Dim o gwbl'),
       rbp.set_form_text('cy', 'dial.high', 'Yn llwyr'),
       rbp.set_form_text('cy', 'safety.notice',
           'Os wyt ti''n rhoi dy enw ac yn troi''r deial "{question}" i {level} neu''n is, bydd y tîm Sicrhau Ansawdd yn cael gwybod ar unwaith, er mwyn i rywun wneud yn siŵr dy fod ti''n ddiogel. Os nad wyt ti''n rhoi dy enw, does neb yn cael gwybod, achos gallai hynny ddangos pwy wyt ti.') \g /dev/null
RESET ROLE;
