"""Unit checks of grafana_expand against Grafana's own examples (macros_test.go, the reference
on the data source, rangeutil) and the pitfalls docs/grafana.md warns about. Exits non-zero on
the first failure, printing what differed."""
import datetime as dt
import sys

import grafana_expand as g

FAILED = []


def eq(got, want, what):
    if got != want:
        FAILED.append('%s:\n  got  %r\n  want %r' % (what, got, want))


def raises(fn, text, what):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any error type, the message is what is checked
        if text not in str(e):
            FAILED.append('%s: error %r lacks %r' % (what, str(e), text))
        return
    FAILED.append('%s: no error' % what)


def ms(*args):
    return int(dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp() * 1000)


FROM, TO = ms(2018, 4, 12, 18, 0, 0), ms(2018, 4, 12, 18, 5, 0)


def mac(sql, ts=False, frm=FROM, to=TO):
    return g.macro_interpolate(sql, frm, to, ts)[0]


# --- the Postgres macro engine (macros_test.go, range 18:00-18:05)
eq(mac('select $__time(time_column)'), 'select time_column AS "time"', '__time')
eq(mac('select min($__time(time_column))'), 'select min(time_column AS "time")', '__time nested')
eq(mac('WHERE $__timeFilter(time_column)'),
   "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'", '__timeFilter')
eq(mac('select $__timeFrom()'), "select '2018-04-12T18:00:00Z'", '__timeFrom')
eq(mac('select $__timeTo()'), "select '2018-04-12T18:05:00Z'", '__timeTo')
eq(mac("SELECT $__timeGroup(time_column,'5m'), value"),
   'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value', '__timeGroup, (pre 5.3)')
eq(mac("SELECT $__timeGroup(time_column,'5m') as time, value"),
   'SELECT floor(extract(epoch from time_column)/300)*300 as time, value', '__timeGroup as time')
eq(mac("SELECT $__timeGroup(time_column,'5m')"),
   'SELECT floor(extract(epoch from time_column)/300)*300', '__timeGroup')
eq(mac("SELECT $__timeGroupAlias(time_column,'5m')"),
   'SELECT floor(extract(epoch from time_column)/300)*300 AS "time"', '__timeGroupAlias')
eq(mac("$__timeGroup(time_column , '5m')"), 'floor(extract(epoch from time_column)/300)*300',
   '__timeGroup spaces')
eq(mac("GROUP BY $__timeGroup(time_column,'5m')", ts=True),
   "GROUP BY time_bucket('300.000s',time_column)", 'timescaledb')
eq(mac("GROUP BY $__timeGroup(time_column , '12d')", ts=True),
   "GROUP BY time_bucket('1036800.000s',time_column)", 'timescaledb 12d')
eq(mac("GROUP BY $__timeGroup(time_column , '20ms')", ts=True),
   "GROUP BY time_bucket('0.020s',time_column)", 'timescaledb 20ms')
eq(mac('select $__unixEpochFilter(time)'), 'select time >= 1523556000 AND time <= 1523556300',
   '__unixEpochFilter')
eq(mac('select $__unixEpochNanoFilter(time)'),
   'select time >= 1523556000000000000 AND time <= 1523556300000000000', '__unixEpochNanoFilter')
eq(mac('select $__unixEpochNanoFrom()'), 'select 1523556000000000000', '__unixEpochNanoFrom')
eq(mac('select $__unixEpochNanoTo()'), 'select 1523556300000000000', '__unixEpochNanoTo')
eq(mac("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')"),
   'SELECT floor((time_column+time_adjustment)/300)*300', '__unixEpochGroup')
eq(mac("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')"),
   'SELECT floor((time_column+time_adjustment)/300)*300 AS "time"', '__unixEpochGroupAlias')
# RFC3339Nano drops trailing zero digits of the fraction; 1960 is before the epoch
eq(mac('WHERE $__timeFilter(t)', frm=ms(1960, 2, 1, 7, 0, 0) + 500, to=ms(1980, 2, 3, 8, 0, 0) + 500),
   "WHERE t BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'", 'RFC3339Nano .5')
eq(g.rfc3339nano(ms(2018, 4, 12, 18, 0, 0) + 120), '2018-04-12T18:00:00.12Z', 'RFC3339Nano .12')
# Go's %v: large intervals in exponent form, fractions as they are
eq(mac("$__timeGroup(t,'30d')"), 'floor(extract(epoch from t)/2.592e+06)*2.592e+06', '%v of 30d')
eq(mac("$__timeGroup(t,'500ms')"), 'floor(extract(epoch from t)/0.5)*0.5', '%v of 500ms')
eq(mac("$__timeGroup(t,1h30m)"), 'floor(extract(epoch from t)/5400)*5400', 'Go duration 1h30m')
eq(mac("$__timeGroup(t,'1w')"), 'floor(extract(epoch from t)/604800)*604800', 'gtime 1w')
# fill arguments are recorded; a bad one fails the query
eq(g.macro_interpolate("$__timeGroup(t,'1m', NULL)", FROM, TO)[1], [(60.0, 'NULL')], 'fill NULL')
eq(g.macro_interpolate("$__timeGroup(t,'1m', 0)", FROM, TO)[1], [(60.0, 0.0)], 'fill 0')
raises(lambda: mac("$__timeGroup(t,'1m', zero)"), 'error parsing fill value', 'bad fill')
raises(lambda: mac("$__timeGroup(t)"), 'needs time column and interval', 'timeGroup one arg')
raises(lambda: mac("$__timeGroup(t,'5 minutes')"), 'error parsing interval', 'bad interval')
# the pitfalls: arguments end at the first ')', dollar quoting, any $identifier( is a macro
raises(lambda: mac("SELECT $$rate(x[5m])$$"), 'unknown macro "rate"', '$$ dollar quote')
raises(lambda: mac("SELECT $q$rate(x[5m])$q$"), 'unknown macro "rate"', 'tagged dollar quote')
eq(mac("SELECT $$ rate(x[5m]) $$"), "SELECT $$ rate(x[5m]) $$", '$$ with a space is safe')
eq(mac("SELECT $__timeFilter(date_trunc('m', t))"),
   "SELECT date_trunc('m' BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z')",
   'nested parens are cut at the first )')
eq(mac("SELECT $__timeGroup(t,'5m') AS a, $__timeGroup(t,'5m'), 1"),
   'SELECT floor(extract(epoch from t)/300)*300 AS a, floor(extract(epoch from t)/300)*300, 1',
   'comma rule looks at the first occurrence only')

# --- global substitutions (sqleng.Interpolate): truncation of $__interval, exact _ms
eq(g.backend_interpolate('$__interval $__interval_ms', FROM, TO, 90000), '1m 90000', '90s')
eq(g.backend_interpolate('[$__interval]', FROM, TO, 0.5), '[1ms]', 'under 1ms')
eq(g.backend_interpolate('$__interval', FROM, TO, 36 * 3600000), '1d', '36h')
eq(g.backend_interpolate('$__interval', FROM, TO, 400 * 86400000), '1y', '400d')
eq(g.backend_interpolate('$__unixEpochFrom() $__unixEpochTo()', FROM, TO, 1000),
   '1523556000 1523556300', 'unixEpochFrom/To')
eq(g.format_interval(1500), '1s', '1.5s')
eq(g.format_interval(7 * 86400000), '7d', '1w')

# --- the frontend's interval (rangeutil)
eq(g.round_interval(21600000 / 1000), 20000, '6h / 1000 points')
eq(g.round_interval(5), 1, 'under 10ms')
eq(g.round_interval(4000000000), 31536000000, 'a year')
eq(g.calculate_interval(0, 6 * 3600000, 1000), (20000, '20s'), '6h 1000 points')
eq(g.calculate_interval(0, 6 * 3600000, 100), (300000, '5m'), '6h 100 points')
eq(g.calculate_interval(0, 300000, 1000), (200, '200ms'), '5m 1000 points')
eq(g.calculate_interval(0, 300000, 1000, '1m'), (60000, '1m'), 'min interval 1m')
eq(g.calculate_interval(0, 300000, 1000, '90s'), (90000, '1m'), 'min interval 90s truncates')
eq(g.calculate_interval(0, 30 * 86400000, 1), (2592000000, '30d'), '30 days')
eq(g.calculate_interval(0, 30 * 86400000, 10), (86400000, '1d'), '30 days, 10 points')
eq(g.interval_to_ms('15'), 15000, 'bare number is seconds')
eq(g.interval_to_ms('1.5m'), 60000, "parseInt'ed count")
eq(g.seconds_to_hms(90), '1m', 'secondsToHms 90')
eq(g.seconds_to_hms(0.0005), 'less than a millisecond', 'secondsToHms tiny')

# --- template variables (templateSrv with the SQL data source's interpolateVariable)
V = {'job': {'value': 'node'}, 'inst': {'value': ['a:1', "b'2"], 'multi': True},
     'one': {'value': 'x.y', 'multi': True}}
fr = lambda s: g.frontend_replace(s, V, FROM, TO, 60000, '1m')
eq(fr('job="$job"'), 'job="node"', 'single value is raw')
eq(fr('$inst'), "'a:1','b''2'", 'multi value is quoted and joined')
eq(fr('$one'), "'x.y'", 'one value of a multi variable is quoted')
eq(fr('${one:regex}'), 'x\\.y', 'regex format, one value')
eq(fr('${inst:regex}'), '(a:1|b\'2)', 'regex format')
eq(fr('${inst:pipe} [[job]] ${job}'), "a:1|b'2 node node", 'pipe, [[var]], ${var}')
eq(fr('$__interval_ms $__interval [$__interval]'), '60000 1m [1m]', 'scoped interval variables')
eq(fr('$__timeFilter(time) $unknown'), '$__timeFilter(time) $unknown', 'unknown names stay')
eq(fr('${__from} ${__to:date:seconds} ${__from:date}'),
   '1523556000000 1523556300 2018-04-12T18:00:00.000Z', '__from/__to')
eq(fr('$jobs'), '$jobs', '\\w+ is greedy: $jobs is not $job')

# --- the whole path
sql, ims, _ = g.expand(
    "SELECT * FROM observe.promql_range('rate(x{job=\"$job\"}[$__interval])', $__timeFrom(), "
    "$__timeTo(), '$__interval_ms ms')", V, FROM, TO, 1000, '90s')
eq(sql, "SELECT * FROM observe.promql_range('rate(x{job=\"node\"}[1m])', '2018-04-12T18:00:00Z', "
        "'2018-04-12T18:05:00Z', '90000 ms')", 'promql_range panel query')
eq(ims, 90000, 'panel interval')

if FAILED:
    print('\n'.join(FAILED))
    print('grafana_expand_test: %d failed' % len(FAILED))
    sys.exit(1)
print('grafana_expand_test: all checks passed')
