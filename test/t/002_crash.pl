# Crashes (issue 12, guarantee G5): no response is lost or duplicated when the server dies.
#   1. kill -9 of the backend in the middle of an anonymous release (five anonymous answers of two
#      workers are held; rbp.release_held_feedback() has locked the batch and is inside the statement
#      that moves it, waiting on a lock another session holds, when its backend is killed and the
#      server recovers): the five are still held, nothing was released; run again, the batch is
#      released exactly once.
#   2. A release that committed survives kill -9 of the postmaster.
#   3. Immediate shutdown under load: a session submits named and anonymous responses one after the
#      other, each acknowledged on its own line; the server is stopped with -m immediate while it runs.
#      After recovery every acknowledged response is there exactly once, and for every invitation:
#      used <=> its response (named) is stored, anonymous ones counted in held + released.
# No sleeps: waits poll the server (poll_query_until) or read the session's output.
# The kill in 1 is shown to land inside the submitting transaction (it already holds its lock on
# the holding area). No mutation of the extension was tried against this file: the invariants it
# checks hold by PostgreSQL's atomicity as long as a submission stays one transaction.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

$SIG{PIPE} = 'IGNORE';    # sessions whose server was killed are closed without complaint
sub close_dead { my ($session) = @_; eval { $session->{run}->kill_kill; 1 }; }

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

$node->safe_psql('postgres', q{
    SET client_min_messages = warning;
    CREATE EXTENSION feedback_rbp;
    ALTER DATABASE postgres SET search_path = public, rbp;    -- the operators of the types live in rbp
    SELECT rbp.register_authority('north', 'North');
    SELECT rbp.register_team('north', 't1', 'Team');
    SELECT rbp.register_staff('north', 'A', 'Worker A', 't1');
    SELECT count(rbp.register_respondent('north', 'F' || i, 'P' || i, 'parent')) FROM generate_series(1, 200) i;
    SELECT count(rbp.open_involvement('north', 'I' || i, 'F' || i, 't1', '2026-01-05')) FROM generate_series(1, 200) i;
    SELECT rbp.register_staff('north', 'B', 'Worker B', 't1');
    SELECT count(rbp.allocate_worker('north', 'I' || i, CASE WHEN i % 2 = 0 THEN 'B' ELSE 'A' END, '2026-01-05'))
      FROM generate_series(1, 200) i;
    CREATE TABLE tok (i integer PRIMARY KEY, token text NOT NULL);
    INSERT INTO tok SELECT i, rbp.issue_invitation('north', 'I' || i, 'P' || i, 'link', 3650, '2026-02-01') FROM generate_series(1, 200) i;
    SELECT rbp.submit_response(token, 'anonymous', '{"q2_trust": 3}', 'online', false, '2026-02-10') FROM tok WHERE i <= 5;
});
my $state = q{SELECT (SELECT count(*) FROM rbp.anonymous_holding) || ' held, '
                  || (SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous') || ' released, '
                  || (SELECT count(*) FROM rbp.invitation WHERE used_on IS NOT NULL) || ' used'};
is($node->safe_psql('postgres', $state), '5 held, 0 released, 5 used', 'five anonymous answers of two workers wait for the release');

# 1. The release locks the batch, then waits for a lock another session holds on rbp.answer; kill -9.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE rbp.answer IN SHARE MODE;');
my $releaser = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $releaser->query_safe('SELECT pg_backend_pid()');
$releaser->query_until(qr/^$/, "SELECT rbp.release_held_feedback('2026-02-20');\n");
$node->poll_query_until('postgres', qq{SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid})
  or die 'the release never reached the lock';
is($node->safe_psql('postgres', qq{SELECT string_agg(c.relname || ' ' || l.mode, ', ' ORDER BY c.relname)
                                    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                                   WHERE l.pid = $pid AND l.granted AND l.mode = 'RowExclusiveLock'
                                     AND c.relname IN ('anonymous_holding', 'response')}),
   'anonymous_holding RowExclusiveLock, response RowExclusiveLock',
   'the release was inside the statement that moves the batch when it was killed');
kill 'KILL', $pid;
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
close_dead($_) for $locker, $releaser;
is($node->safe_psql('postgres', $state), '5 held, 0 released, 5 used',
   'after kill -9 in the release: the five are still held, nothing released');
$node->safe_psql('postgres', q{SELECT rbp.release_held_feedback('2026-02-20')});
is($node->safe_psql('postgres', $state), '0 held, 5 released, 5 used', 'released again, the batch is released once, whole');

# 2. A committed release survives kill -9 of the postmaster.
$node->kill9;
# Its children may outlive it for a moment (they hold the lock file and shared memory): start again
# until the server accepts the data directory.
my $tries = 0;
$tries++ until do { $node->{_pid} = undef; $node->start(fail_ok => 1) } || $tries > 50;
ok($tries <= 50, 'the server restarts after kill -9 of the postmaster');
is($node->safe_psql('postgres', $state), '0 held, 5 released, 5 used', 'the committed release survives kill -9 of the postmaster');
is($node->safe_psql('postgres', q{SELECT count(*) FROM rbp.answer a JOIN rbp.response r USING (response_id) WHERE r.anonymity = 'anonymous'}),
   '5', 'with exactly one answer each');

# 3. Immediate shutdown under load.
my $load = $node->background_psql('postgres', on_error_stop => 0);
my $script = join '', map {
    my $level = $_ % 3 == 0 ? 'anonymous' : 'named';
    qq{SELECT rbp.submit_response(token, '$level', '{"q2_trust": 4}', 'online', false, '2026-02-11') FROM tok WHERE i = $_;\n\\echo ack $_\n}
} 6 .. 200;
my $printed = $load->query_until(qr/ack 40\n/, $script);    # well under way (about 35 responses committed)
$node->stop('immediate');
eval { $load->{run}->finish; 1 };            # the session ends with the server; keep what it printed
my @acked = (($printed . $load->{stdout}) =~ /ack (\d+)/g);
cmp_ok(scalar @acked, '>=', 35, scalar(@acked) . ' submissions were acknowledged before the immediate shutdown');
$node->start;
my $named_acked = join ',', grep { $_ % 3 != 0 } @acked;
is($node->safe_psql('postgres', qq{
    SELECT count(*) FROM tok t JOIN rbp.respondent p ON p.respondent_ref = 'P' || t.i
     WHERE t.i IN ($named_acked)
       AND (SELECT count(*) FROM rbp.response r WHERE r.respondent_id = p.respondent_id) <> 1}),
   '0', 'every acknowledged named response is stored exactly once');
is($node->safe_psql('postgres', q{
    SELECT count(*) FROM rbp.invitation v JOIN rbp.respondent p USING (respondent_id)
     WHERE NOT (substr(p.respondent_ref, 2)::int <= 5 OR substr(p.respondent_ref, 2)::int % 3 = 0)
       AND (v.used_on IS NOT NULL) <> EXISTS (SELECT FROM rbp.response r WHERE r.respondent_id = v.respondent_id)}),
   '0', 'no named invitation is used without its response, nor a response stored without its invitation used');
is($node->safe_psql('postgres', q{
    SELECT (SELECT count(*) FROM rbp.invitation v JOIN rbp.respondent p USING (respondent_id)
             WHERE (substr(p.respondent_ref, 2)::int <= 5 OR substr(p.respondent_ref, 2)::int % 3 = 0) AND v.used_on IS NOT NULL)
         - (SELECT count(*) FROM rbp.anonymous_holding) - (SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous')}),
   '0', 'every used anonymous invitation has its answer, held or released, once');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM rbp.invitation WHERE used_on IS NOT NULL}), '>=', 5 + scalar @acked,
   'nothing acknowledged was lost');
is($node->safe_psql('postgres', q{SELECT count(*) FROM rbp.response r WHERE r.anonymity = 'named'
                                   AND (SELECT count(*) FROM rbp.route t WHERE t.response_id = r.response_id AND t.superseded_on IS NULL) <> 1}),
   '0', 'every named response still has exactly one current route');

$node->stop;
done_testing();
