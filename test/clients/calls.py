"""The calls of test/clients/calls.txt through psycopg2 (Debian python3-psycopg2) with its defaults:
str becomes a quoted literal (type unknown), int a number, bool true/false, None NULL; nothing is
cast in the SQL text.
Usage: /usr/bin/python3 calls.py HOST PORT DATABASE AUTHORITY calls.txt SUPERUSER"""
import sys
import psycopg2

host, port, database, authority, path, superuser = sys.argv[1:7]
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
