# Notifications (guarantee G1/G4): NOTIFY is delivered only when a transaction commits, so it is
# checked here, with committed transactions, instead of in a pgTAP suite. A listening session (the
# case system) gets one rbp_feedback_routed notification per release of named feedback, carrying
# nothing but the random route id, and one per new recipient of a handover (not one per item); an anonymous submission and a release that rolls back notify
# nothing; a restore (triggers off) notifies nothing either.
# Replaces test/notify_check.sh. Seen failing: with the pg_notify() of rbp.qa_release() removed,
# the two tests of the release fail.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('notify');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
    SET client_min_messages = warning;
    CREATE EXTENSION feedback_rbp;
    CREATE ROLE qa_login LOGIN IN ROLE rbp_qa;
    SELECT rbp.register_authority('north', 'North');
    SELECT rbp.register_team('north', 't1', 'Team');
    SELECT rbp.register_staff('north', 'A', 'Worker A', 't1'), rbp.register_staff('north', 'S', 'Supervisor', 't1'),
           rbp.register_staff('north', 'Q', 'QA', NULL, 'qa_login', true);
    SELECT rbp.map_login('qa_login', 'qa', 'north');
    SELECT rbp.register_supervision('north', 'A', 'S', '2026-01-01');
    SELECT rbp.register_respondent('north', 'F1', 'P1', 'parent'), rbp.register_respondent('north', 'F1', 'P2', 'parent');
    SELECT rbp.open_involvement('north', 'I1', 'F1', 't1', '2026-01-05');
    SELECT rbp.allocate_worker('north', 'I1', 'A', '2026-01-05');
    CREATE TABLE tok AS SELECT rbp.issue_invitation('north', 'I1', 'P1', 'link', 3650, '2026-02-01') AS named_token,
                               rbp.issue_invitation('north', 'I1', 'P2', 'link', 3650, '2026-02-01') AS anonymous_token;
    GRANT SELECT ON tok TO PUBLIC;
    SELECT rbp.submit_response(named_token, 'named', '{"q2_trust": 4}', 'online', false, '2026-02-10') FROM tok;
});

my $listener = $node->background_psql('postgres');
$listener->query_safe('LISTEN rbp_feedback_routed');
my $notes = sub { my $out = $listener->query_safe('SELECT 1'); return [ $out =~ /notification "rbp_feedback_routed" with payload "([^"]*)"/g ] };

# A release that rolls back notifies nothing.
$node->safe_psql('postgres', q{BEGIN; SET ROLE qa_login; SELECT rbp.qa_release(response_id, '2026-02-12') FROM rbp.response; ROLLBACK;});
is_deeply($notes->(), [], 'a release that rolls back sends nothing');

$node->safe_psql('postgres', q{SET ROLE qa_login; SELECT rbp.qa_release(response_id, '2026-02-12') FROM rbp.response});
my $route = $node->safe_psql('postgres', 'SELECT route_id FROM rbp.route WHERE superseded_on IS NULL');
my $got = $notes->();
is(scalar @$got, 1, 'releasing named feedback sends one notification to the listening case system');
is($got->[0], $route, 'its payload is the random route id and nothing else');

$node->safe_psql('postgres', q{SELECT rbp.submit_response(anonymous_token, 'anonymous', '{"q2_trust": 2}', 'online', false, '2026-02-11') FROM tok});
is_deeply($notes->(), [], 'an anonymous submission sends nothing');

# A restore into another database of the cluster, listened to there: nothing is sent.
my $dir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$dir/db.dump", '-d', 'postgres' ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my $restored_listener = $node->background_psql('restored');
$restored_listener->query_safe('LISTEN rbp_feedback_routed');
{
    local $ENV{PGOPTIONS} = '-c session_replication_role=replica';
    $node->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'restored', "$dir/db.dump" ], 'pg_restore');
}
unlike($restored_listener->query_safe('SELECT 1'), qr/notification/, 'restoring the routed feedback sends nothing');
is($node->safe_psql('restored', 'SELECT route_id FROM rbp.route WHERE superseded_on IS NULL'), $route, 'and restores the route');

# A handover (supervision changes) moves open items to the new supervisor: one notification for
# that recipient, whatever the number of items (any login may LISTEN: one per item would count a
# worker's open feedback), carrying the route id of one of them. Seen failing: with
# rbp.notify_handover() replaced by one pg_notify() per moved item, the first test below gets 6.
# Ending A's supervision hands the items to the interim reviewer (the team manager or QA team), the
# new supervision to S2: two handovers, one notification each.
$node->safe_psql('postgres', q{
    SELECT rbp.register_staff('north', 'S2', 'Second supervisor', 't1');
    SELECT rbp.register_respondent('north', 'F1', 'P' || i, 'parent') FROM generate_series(3, 4) i;
    CREATE TABLE tok2 AS SELECT rbp.issue_invitation('north', 'I1', 'P' || i, 'link', 3650, '2026-02-01') AS token FROM generate_series(3, 4) i;
    SELECT rbp.submit_response(token, 'named', '{"q2_trust": 3}', 'online', false, '2026-02-13') FROM tok2;
    SET ROLE qa_login;
    SELECT rbp.qa_release(response_id, '2026-02-14') FROM rbp.response WHERE anonymity::text = 'named' AND qa_status::text <> 'released';
});
$notes->();    # the releases' own notifications
$node->safe_psql('postgres', q{
    SELECT rbp.end_supervision('north', 'A', current_date - 1);
    SELECT rbp.register_supervision('north', 'A', 'S2', current_date);
});
$got = $notes->();
is(scalar @$got, 2, 'two handovers of three open items send one notification each, not one per item');
is($node->safe_psql('postgres', qq{SELECT count(*) FROM rbp.route rt JOIN rbp.staff s ON s.staff_id = rt.recipient_id
                                   WHERE rt.superseded_on IS NULL AND s.staff_ref = 'S2'
                                     AND EXISTS (SELECT FROM rbp.route x WHERE x.route_id = '$got->[-1]' AND x.route_id = rt.route_id)}),
   1, 'the last one carries the current route id of one of the moved items, now with the new supervisor');
is($node->safe_psql('postgres', q{SELECT count(*) FROM rbp.route rt JOIN rbp.staff s ON s.staff_id = rt.recipient_id
                                  WHERE rt.superseded_on IS NULL AND s.staff_ref = 'S2'}),
   3, 'and all three items moved');

$listener->quit;
$restored_listener->quit;
$node->stop;
done_testing();
