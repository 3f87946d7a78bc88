// The calls of test/clients/calls.txt through node-postgres ("pg" from npm) with its defaults:
// every parameter is sent as text with type "unknown" (0); nothing is cast in the SQL text.
// Usage: NODE_PATH=... node calls.mjs HOST PORT DATABASE AUTHORITY calls.txt SUPERUSER
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.env.RBP_NODE_MODULES + '/');
const pg = require('pg');
const [host, port, database, authority, file, superuser] = process.argv.slice(2);
const connect = async (user) => { const c = new pg.Client({ host, port: Number(port), database, user }); await c.connect(); return c; };
const logins = { case: await connect('drv_case'), intake: await connect('drv_intake'), super: await connect(superuser) };
logins.sql = logins.super;
const saved = {};
let n = 0, failed = 0;
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    const [login, save] = f;
    const call = f[2].replaceAll('{A}', authority);
    const params = f.slice(3).map((arg) => {
        arg = arg.replaceAll('{A}', authority);
        if (arg.startsWith('s:')) return arg.slice(2);
        if (arg.startsWith('i:')) return Number(arg.slice(2));
        if (arg.startsWith('b:')) return arg.slice(2) === 'true';
        if (arg === 'n:') return null;
        if (arg.startsWith('$')) return saved[arg.slice(1)];
        throw new Error('bad argument ' + arg);
    });
    const sql = login === 'sql' ? call : `SELECT * FROM ${call}(${params.map((_, i) => '$' + (i + 1)).join(', ')})`;
    n++;
    try {
        const res = await logins[login].query(sql, params);
        if (save !== '-') {
            const [name, column] = save.split('=');
            const row = column ? res.rows.find((r) => r[column] !== null) : res.rows[0];
            const value = row && (column ? row[column] : Object.values(row)[0]);
            if (value === undefined || value === null) throw new Error('nothing to save as ' + name);
            saved[name] = value;
        }
        console.log(`ok ${n} - node ${login} ${call} (${params.length} parameters)`);
    } catch (e) {
        failed++;
        console.log(`not ok ${n} - node ${login} ${call}: ${e.code} ${e.message}`);
    }
}
for (const c of new Set(Object.values(logins))) await c.end();
process.exit(failed === 0 ? 0 : 1);
