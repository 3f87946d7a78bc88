"""The calls of test/clients/calls.txt through psycopg2 (Debian python3-psycopg2) with its defaults:
str becomes a quoted literal (type unknown), int a number, bool true/false, None NULL; nothing is
cast in the SQL text.
Usage: /usr/bin/python3 calls.py HOST PORT DATABASE AUTHORITY calls.txt SUPERUSER [--null-probes]

With --null-probes, every case-system and intake call is first made once more for each of its
required arguments (those without a default) with that argument NULL, inside a transaction that is
rolled back: each such call must be refused with 22004 (null_value_not_allowed), never succeed and
do nothing. Arguments listed in NULL_ACCEPTED below take NULL by design, and NULL_REFUSED_AS names
the one documented other SQLSTATE (the reason is given there).
The class this closes: a STRICT function returns NULL without running, a PL/pgSQL lookup on a NULL
key finds nothing, and a driver that binds a missing value as NULL reports success for a leaver, a
closure or a hand-over that never happened."""
import sys
import psycopg2

host, port, database, authority, path, superuser = sys.argv[1:7]
null_probes = '--null-probes' in sys.argv[7:]
# (function, argument position from 1): NULL is a documented value there, not a missing one.
NULL_ACCEPTED = {
    ('rbp.set_respondent_cadence', 3),   # NULL: the authority's cadence again (doc/scheduling.md)
    ('rbp.set_respondent_channel', 3),   # NULL: the authority's default channel again (doc/scheduling.md)
    ('rbp.pause_invitations', 3),        # NULL ends the pause (doc/scheduling.md)
}
# (function, argument position): the documented SQLSTATE for NULL there, when it is not 22004.
NULL_REFUSED_AS = {
    ('rbp.submit_response', 3): '22023',  # answers that are not a JSON object, or NULL (doc/survey-intake.md)
}
def connect(user):
    c = psycopg2.connect(host=host, port=port, dbname=database, user=user)
    c.autocommit = True
    return c
logins = {'case': connect('drv_case'), 'intake': connect('drv_intake'), 'super': connect(superuser)}
logins['sql'] = logins['super']
saved = {}
n = failed = 0
for line in open(path, encoding='utf-8'):
    line = line.rstrip('\n')
    if not line.strip() or line.startswith('#'):
        continue
    f = line.split('\t')
    login, save, call = f[0], f[1], f[2].replace('{A}', authority)
    params = []
    for arg in f[3:]:
        arg = arg.replace('{A}', authority)
        if arg.startswith('s:'):
            params.append(arg[2:])
        elif arg.startswith('i:'):
            params.append(int(arg[2:]))
        elif arg.startswith('b:'):
            params.append(arg[2:] == 'true')
        elif arg == 'n:':
            params.append(None)
        elif arg.startswith('$'):
            params.append(saved[arg[1:]])
        else:
            raise ValueError('bad argument ' + arg)
    sql = call if login == 'sql' else 'SELECT * FROM %s(%s)' % (call, ', '.join(['%s'] * len(params)))
    if null_probes and login in ('case', 'intake'):
        with logins['super'].cursor() as cur:
            # positions required by every overload that this number of arguments can call
            cur.execute("""SELECT min(p.pronargs - p.pronargdefaults) FROM pg_proc p
                            WHERE p.pronamespace = 'rbp'::regnamespace AND p.proname = %s
                              AND p.pronargs >= %s AND p.pronargs - p.pronargdefaults <= %s""",
                        (call.split('.', 1)[1], len(params), len(params)))
            required = cur.fetchone()[0] or 0
        for i in range(required):
            if params[i] is None or (call, i + 1) in NULL_ACCEPTED:
                continue
            probe = list(params)
            probe[i] = None
            n += 1
            c = logins[login]
            with c.cursor() as cur:
                cur.execute('BEGIN')
                try:
                    cur.execute(sql, probe)
                    code = 'success'
                except psycopg2.Error as e:
                    code = e.pgcode
                cur.execute('ROLLBACK')
            want = NULL_REFUSED_AS.get((call, i + 1), '22004')
            if code == want:
                print('ok %d - %s: argument %d NULL is refused with %s' % (n, call, i + 1, want))
            else:
                failed += 1
                print('not ok %d - %s: argument %d NULL gives %s, not %s' % (n, call, i + 1, code, want))
    n += 1
    try:
        with logins[login].cursor() as cur:
            cur.execute(sql, params or None)
            if save != '-':
                name, _, column = save.partition('=')
                rows = cur.fetchall()
                cols = [d[0] for d in cur.description]
                values = [r[cols.index(column)] if column else r[0] for r in rows]
                values = [v for v in values if v is not None][:1] if column else values[:1]
                if not values or values[0] is None:
                    raise RuntimeError('nothing to save as ' + name)
                saved[name] = values[0]
        print('ok %d - psycopg2 %s %s (%d parameters)' % (n, login, call, len(params)))
    except (psycopg2.Error, RuntimeError) as e:
        failed += 1
        print('not ok %d - psycopg2 %s %s: %s %s' % (n, login, call, getattr(e, 'pgcode', ''), str(e).strip()))
sys.exit(0 if failed == 0 else 1)
