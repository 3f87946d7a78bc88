-- The questionnaires of the framework, seeded as version 1 (Appendix 1 for parents and carers; the
-- "top 5" dials for children and young people), and the glossary shown on hover.

WITH parents AS (
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds, is_seed)
    VALUES ('parents_carers', 1,
            'Your relationship with your social worker',
            'This set of questions was created by families and social workers across Brighton & Hove and East Sussex. '
            'You do not have to answer all the questions: please answer the ones that are important or relevant to you.',
            ARRAY['parent', 'carer', 'extended_family', 'important_friend']::rbp.respondent_kind[], true)
    RETURNING instrument_id
)
INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
SELECT instrument_id, q.code, q.position, q.kind::rbp.question_kind, q.prompt, q.points
  FROM parents, (VALUES
    ('q1_situation', 1, 'free_text', 'Can you briefly tell me what the current situation is with your family in terms of social work involvement, and what team you are working with. How long has the social worker been involved?', NULL),
    ('q2_understands_family', 2, 'scale', 'My social worker understands my family and our unique circumstances', 5),
    ('q2_builds_relationships', 3, 'scale', 'My social worker is skilled at building relationships', 5),
    ('q2_trust', 4, 'scale', 'My social worker acts in ways that allows me to put my trust in them', 5),
    ('q2_sensitive_professional', 5, 'scale', 'My social worker practises sensitively and professionally - for example, is present and focused when with me and aware of how their words and actions impact on me', 5),
    ('q2_works_alongside', 6, 'scale', 'My social worker works alongside me', 5),
    ('q3_rights_explained', 7, 'free_text', 'Did your social worker explain your rights (including how to make a complaint), and what to expect from having social work involvement? Tell me about your experience of this and anything else that would have helped you to understand what was happening.', NULL),
    ('q4_impact', 8, 'free_text', 'How has the relationship with your social worker made an impact on you and your family? Please consider both positive and negative impacts.', NULL),
    ('q5_other_contacts', 9, 'free_text', 'What is your feedback about other people you have had contact with in Children''s Services? For example, communication with reception or admin staff, social work manager or independent reviewing officer.', NULL),
    ('q6_change_one_thing', 10, 'free_text', 'If you could change one thing about the service from your social worker what would it be? This could be right now for you and your family, or in the future to help other families.', NULL),
    ('q7_anything_else', 11, 'free_text', 'Is there anything else you would like to tell us?', NULL)
  ) AS q(code, position, kind, prompt, points);

-- The dials are 10-point scales (1 = not at all, 10 = completely): the seeds give the five
-- characteristics but not the dial's divisions; 10 points keep a dial's fine movement.
WITH children AS (
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds, is_seed)
    VALUES ('children_young_people', 1,
            'Top 5: you and your social worker',
            'Young people and practitioners chose the five most important things about a supportive relationship with a social worker. '
            'Turn each dial to show how it is for you. You can skip any of them.',
            ARRAY['child_young_person']::rbp.respondent_kind[], true)
    RETURNING instrument_id
)
INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
SELECT instrument_id, q.code, q.position, 'scale', q.prompt, 10
  FROM children, (VALUES
    ('dial_respected', 1, 'I feel respected'),
    ('dial_empowered', 2, 'It empowers me and enables me to make decisions for myself'),
    ('dial_mutual_trust', 3, 'It is built on mutual trust'),
    ('dial_listened_to', 4, 'I feel listened to, understood and heard'),
    ('dial_safe', 5, 'It makes me feel safe'),
    ('anything_else', 6, 'Is there anything else you would like to tell us?')
  ) AS q(code, position, prompt);
UPDATE rbp.question SET kind = 'free_text', scale_points = NULL
 WHERE code = 'anything_else'
   AND instrument_id = (SELECT instrument_id FROM rbp.instrument WHERE code = 'children_young_people' AND version = 1);

INSERT INTO rbp.glossary_term (term, definition, is_seed) SELECT term, definition, true FROM (VALUES
 ('relationship-based practice', 'The idea that a social worker''s relationship with the family is the most powerful tool to help families achieve change: relationships based on trust, empathy and the compassionate use of authority.'),
 ('trust', 'A social worker builds trust through respect and respecting differences, having enough time to be present, honesty, transparency (being clear about purpose and boundaries), being straightforward, not discriminating, and being knowledgeable rather than blagging.'),
 ('understands my family', 'A good social worker understands you and your family as unique individuals, does not judge, is culturally sensitive, and asks important questions with curiosity.'),
 ('building relationships', 'Being human, not a robot: emotionally intelligent, straightforward, friendly, able to relate to a child at the child''s level, good at finding common ground, validating, and not using jargon.'),
 ('sensitive and professional', 'Supported to practise well, emotionally intelligent, aware of the power in the role while equal as human beings, aware that questions can be triggering, and mindful.'),
 ('works alongside me', 'Collaborating: empowering, giving choices, flexible, patient and open, having capacity and time, planning ahead and checking things out, recognising strengths, and fair.'),
 ('respected', 'You are treated with respect, and your differences are respected.'),
 ('empowers me', 'The relationship enables you to make decisions for yourself.'),
 ('mutual trust', 'You trust your social worker and they trust you.'),
 ('listened to', 'You feel listened to, understood and heard.'),
 ('safe', 'The relationship makes you feel safe.')
) AS seed(term, definition);
