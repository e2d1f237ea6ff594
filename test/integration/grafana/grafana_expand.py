"""What Grafana does to a PostgreSQL panel query before it reaches the server.

Mirrors, step by step (see ../../../docs/grafana.md and the reference on the data source):
  1. the frontend's interval: rangeutil.calculateInterval (roundInterval of range/maxDataPoints,
     raised to the panel's or data source's min interval) and secondsToHms for $__interval;
  2. the frontend's templateSrv: dashboard variables, $__interval, $__interval_ms, $__from/$__to,
     with the SQL data source's interpolateVariable (multi-value: quoted, comma-joined);
  3. the backend's sqleng.Interpolate: $__interval_ms, $__interval (gtime.FormatInterval),
     $__unixEpochFrom()/To() as plain string replacement;
  4. the backend's Postgres macro engine: regex \\$([_a-zA-Z0-9]+)\\(([^)]*)\\), arguments split
     on ',' and trimmed of spaces, unknown macros are errors.
Pure Python, no dependencies, so it is unit-tested on its own (grafana_expand_test.py).
"""
import datetime as _dt
import math
import re
from decimal import Decimal

# ---------------------------------------------------------------- frontend: the panel interval


def round_interval(ms):
    """rangeutil.roundInterval: a range/resolution quotient in ms to a 'nice' interval in ms."""
    steps = [(10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
             (1500, 1000), (3500, 2000), (7500, 5000), (12500, 10000), (17500, 15000),
             (25000, 20000), (45000, 30000), (90000, 60000), (210000, 120000),
             (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
             (2700000, 1800000), (5400000, 3600000), (9000000, 7200000),
             (16200000, 10800000), (32400000, 21600000), (86400000, 43200000),
             (604800000, 86400000), (1814400000, 604800000), (3628800000, 2592000000)]
    for limit, value in steps:
        if ms < limit:
            return value
    return 31536000000


_FRONT_UNITS = {'y': 31536000, 'M': 2592000, 'w': 604800, 'd': 86400, 'h': 3600, 'm': 60,
                's': 1, 'ms': 0.001}


def interval_to_ms(text):
    """rangeutil.intervalToMs via describeInterval: '90s' -> 90000; a bare non-zero number is
    seconds; the count is parseInt'ed, so '1.5m' counts as 1m."""
    try:
        bare = float(text)
    except ValueError:
        bare = 0
    if bare:  # JavaScript: if (Number(str)) -> seconds, count = parseInt(str)
        return int(re.match(r'\s*(-?\d+)', text).group(1)) * 1000
    m = re.match(r'^(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])', text)
    if not m:
        raise ValueError('Invalid interval string %r' % text)
    count = int(m.group(1).split('.')[0])
    return round(_FRONT_UNITS[m.group(2)] * 1000 * count)


def seconds_to_hms(seconds):
    """rangeutil.secondsToHms: the text of $__interval in the frontend (largest unit, truncated)."""
    years = math.floor(seconds / 31536000)
    if years:
        return '%dy' % years
    days = math.floor((seconds % 31536000) / 86400)
    if days:
        return '%dd' % days
    hours = math.floor(((seconds % 31536000) % 86400) / 3600)
    if hours:
        return '%dh' % hours
    minutes = math.floor((((seconds % 31536000) % 86400) % 3600) / 60)
    if minutes:
        return '%dm' % minutes
    secs = math.floor((((seconds % 31536000) % 86400) % 3600) % 60)
    if secs:
        return '%ds' % secs
    millis = math.floor(seconds * 1000.0)
    if millis:
        return '%dms' % millis
    return 'less than a millisecond'


def calculate_interval(from_ms, to_ms, max_data_points, min_interval=None):
    """rangeutil.calculateInterval -> (interval_ms, interval_text) as the panel query runner
    computes them (min_interval: the panel's 'interval' or else the data source's timeInterval)."""
    low = interval_to_ms(min_interval) if min_interval else 1
    ms = round_interval((to_ms - from_ms) / max_data_points)
    if low > ms:
        ms = low
    return ms, seconds_to_hms(ms / 1000)


# ---------------------------------------------------------------- frontend: template variables

# templateSrv's variable regex: $var, [[var(:fmt)]], ${var(.field)(:fmt)}
_VAR_RE = re.compile(r'\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}',
                     re.ASCII)


def quote_literal(value):
    """The SQL data source's quoteLiteral."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_interpolate_variable(value, multi=False, include_all=False):
    """SqlDatasource.interpolateVariable: the default format for a variable in rawSql."""
    if isinstance(value, str):
        return quote_literal(value) if (multi or include_all) else value
    if isinstance(value, (int, float)):
        return str(value)
    return ','.join(quote_literal(v) for v in value)


def _regex_escape(value):
    return re.sub(r'[\\^$*+?.()|\[\]{}/]', lambda m: '\\' + m.group(0), value)


def format_variable(value, fmt, multi=False, include_all=False):
    """A value with an explicit ${var:fmt} format (the formats the dashboards and docs use)."""
    values = value if isinstance(value, list) else None
    if fmt is None:
        return sql_interpolate_variable(value, multi, include_all)
    if fmt == 'raw':
        return ','.join(values) if values is not None else str(value)
    if fmt == 'regex':
        if values is None:
            return _regex_escape(str(value))
        esc = [_regex_escape(v) for v in values]
        return esc[0] if len(esc) == 1 else '(' + '|'.join(esc) + ')'
    if fmt == 'pipe':
        return '|'.join(values) if values is not None else str(value)
    if fmt == 'csv':
        return ','.join(values) if values is not None else str(value)
    if fmt == 'singlequote':
        vals = values if values is not None else [str(value)]
        return ','.join("'" + v.replace("'", "\\'") + "'" for v in vals)
    if fmt == 'doublequote':
        vals = values if values is not None else [str(value)]
        return ','.join('"' + v.replace('"', '\\"') + '"' for v in vals)
    raise ValueError('format %r not modelled' % fmt)


def _iso_ms(ms):
    """JavaScript's Date.toISOString: always milliseconds."""
    t = _dt.datetime.fromtimestamp(ms // 1000, _dt.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (ms % 1000)


def frontend_replace(sql, variables, from_ms, to_ms, interval_ms, interval_text):
    """templateSrv.replace(rawSql, scopedVars, interpolateVariable). variables: name ->
    {'value': str | [str], 'multi': bool, 'includeAll': bool}. Unknown names stay as they are
    (so $__timeFilter(...) and other macros pass through to the backend)."""
    # the panel query runner's scoped variables ($__range is set by some data sources only,
    # not by this one, so it is left alone like any unknown name)
    scoped = {
        '__interval': {'value': interval_text},
        '__interval_ms': {'value': interval_ms},
    }

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(4)
        fmt = m.group(3) or m.group(6)
        if name in ('__from', '__to'):
            ms = from_ms if name == '__from' else to_ms
            if fmt is None:
                return str(ms)
            if fmt in ('date', 'date:iso'):
                return _iso_ms(ms)
            if fmt == 'date:seconds':
                return str(ms // 1000)
            raise ValueError('format %r of %s not modelled' % (fmt, name))
        var = scoped.get(name) or variables.get(name)
        if var is None:
            return m.group(0)
        return format_variable(var['value'], fmt, var.get('multi', False), var.get('includeAll', False))

    return _VAR_RE.sub(repl, sql)


# ---------------------------------------------------------------- backend: Go formatting


def format_interval(ms):
    """gtime.FormatInterval: the backend's text of $__interval, truncated to the largest unit."""
    units = [(365 * 86400000, 'y'), (86400000, 'd'), (3600000, 'h'), (60000, 'm'),
             (1000, 's'), (1, 'ms')]
    for size, unit in units:
        if ms >= size:
            return '%d%s' % (ms // size, unit)
    return '1ms'


def rfc3339nano(ms):
    """Go's time.Format(time.RFC3339Nano) in UTC: fraction without trailing zeros, or none."""
    t = _dt.datetime.fromtimestamp(ms // 1000, _dt.timezone.utc)
    frac = ('%03d' % (ms % 1000)).rstrip('0')
    return t.strftime('%Y-%m-%dT%H:%M:%S') + ('.' + frac if frac else '') + 'Z'


def go_float(x):
    """fmt's %v of a float64: strconv 'g' with the shortest digits, exponent form when the
    decimal exponent is < -4 or >= 6 (so 30 days, 2592000 s, prints as 2.592e+06)."""
    if x == 0:
        return '0'
    sign = '-' if x < 0 else ''
    d = Decimal(repr(abs(float(x)))).normalize()
    t = d.as_tuple()
    digits = ''.join(map(str, t.digits))
    exp = t.exponent + len(digits) - 1
    if exp < -4 or exp >= 6:
        mant = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        return '%s%se%s%02d' % (sign, mant, '-' if exp < 0 else '+', abs(exp))
    return sign + format(d, 'f')


_GO_DUR_UNITS = {'ns': 1e-6, 'us': 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, 'ms': 1.0,
                 's': 1000.0, 'm': 60000.0, 'h': 3600000.0}


def go_parse_duration(text):
    """time.ParseDuration, in ms (float)."""
    s = text
    sign = 1
    if s[:1] in '+-' and s:
        sign = -1 if s[0] == '-' else 1
        s = s[1:]
    if s == '0':
        return 0.0
    if not s:
        raise ValueError('time: invalid duration %r' % text)
    total = 0.0
    while s:
        m = re.match(r'([0-9]*(?:\.[0-9]*)?)([^0-9.]+)', s)
        if not m or m.group(1) in ('', '.'):
            raise ValueError('time: invalid duration %r' % text)
        unit = m.group(2)
        if unit not in _GO_DUR_UNITS:
            # the unit is the longest run of non-digits, as Go reads it
            raise ValueError('time: unknown unit %r in duration %r' % (unit, text))
        total += float(m.group(1)) * _GO_DUR_UNITS[unit]
        s = s[m.end():]
    return sign * total


def gtime_parse_interval(text, now=None):
    """gtime.ParseInterval, in ms: Nd/Nw/NM/Ny as calendar steps from now (UTC), else a Go
    duration. Returns a float number of ms."""
    m = re.fullmatch(r'(\d+)([dwMy])', text)
    if not m:
        return go_parse_duration(text)
    n, unit = int(m.group(1)), m.group(2)
    if unit in 'dw':
        return n * (7 if unit == 'w' else 1) * 86400000.0
    now = now or _dt.datetime.now(_dt.timezone.utc)
    months = n if unit == 'M' else 12 * n
    y, mo = divmod(now.month - 1 + months, 12)
    day = now.day
    # Go's AddDate normalises overflowing days (Jan 31 + 1 month = Mar 3), as date arithmetic
    # on ordinal days does here.
    first = _dt.datetime(now.year + y, mo + 1, 1, now.hour, now.minute, now.second,
                         now.microsecond, tzinfo=_dt.timezone.utc)
    later = first + _dt.timedelta(days=day - 1)
    return (later - now).total_seconds() * 1000.0


def backend_interpolate(sql, from_ms, to_ms, interval_ms):
    """sqleng.Interpolate: global substitutions, plain string replacement, in this order."""
    sql = sql.replace('$__interval_ms', str(int(interval_ms)))
    sql = sql.replace('$__interval', format_interval(int(interval_ms)))
    sql = sql.replace('$__unixEpochFrom()', str(from_ms // 1000))
    sql = sql.replace('$__unixEpochTo()', str(to_ms // 1000))
    return sql


# ---------------------------------------------------------------- backend: the macro engine

_MACRO_RE = re.compile(r'\$([_a-zA-Z0-9]+)\(([^\)]*)\)')


class MacroError(Exception):
    pass


def _interval_seconds(arg):
    try:
        return gtime_parse_interval(arg.strip("'")) / 1000.0
    except ValueError:
        raise MacroError('error parsing interval %s' % arg)


def _fill_value(arg):
    if arg in ('NULL', 'previous'):
        return arg
    try:
        return float(arg)
    except ValueError:
        raise MacroError('error parsing fill value %s' % arg)


def _evaluate(name, args, from_ms, to_ms, timescaledb, fill):
    if name in ('__time', '__timeEpoch', '__timeFilter', '__unixEpochFilter',
                '__unixEpochNanoFilter') and len(args) == 0:
        raise MacroError('missing time column argument for macro %s' % name)
    if name == '__time':
        return '%s AS "time"' % args[0]
    if name == '__timeEpoch':
        return 'extract(epoch from %s) as "time"' % args[0]
    if name == '__timeFilter':
        return "%s BETWEEN '%s' AND '%s'" % (args[0], rfc3339nano(from_ms), rfc3339nano(to_ms))
    if name == '__timeFrom':
        return "'%s'" % rfc3339nano(from_ms)
    if name == '__timeTo':
        return "'%s'" % rfc3339nano(to_ms)
    if name in ('__timeGroup', '__unixEpochGroup'):
        if len(args) < 2:
            raise MacroError('macro %s needs time column and interval and optional fill value' % name)
        sec = _interval_seconds(args[1])
        if len(args) == 3:
            fill.append((sec, _fill_value(args[2])))
        if name == '__unixEpochGroup':
            return 'floor((%s)/%s)*%s' % (args[0], go_float(sec), go_float(sec))
        if timescaledb:
            return "time_bucket('%.3fs',%s)" % (sec, args[0])
        return 'floor(extract(epoch from %s)/%s)*%s' % (args[0], go_float(sec), go_float(sec))
    if name in ('__timeGroupAlias', '__unixEpochGroupAlias'):
        return _evaluate(name[:-5], args, from_ms, to_ms, timescaledb, fill) + ' AS "time"'
    if name == '__unixEpochFilter':
        return '%s >= %d AND %s <= %d' % (args[0], from_ms // 1000, args[0], to_ms // 1000)
    if name == '__unixEpochNanoFilter':
        return '%s >= %d AND %s <= %d' % (args[0], from_ms * 10**6, args[0], to_ms * 10**6)
    if name == '__unixEpochNanoFrom':
        return str(from_ms * 10**6)
    if name == '__unixEpochNanoTo':
        return str(to_ms * 10**6)
    raise MacroError('unknown macro "%s"' % name)


def macro_interpolate(sql, from_ms, to_ms, timescaledb=False):
    """postgresMacroEngine.Interpolate -> (sql, fill) where fill lists (interval_s, mode) of
    $__timeGroup calls with a fill argument. Raises MacroError as Grafana fails the query."""
    out = []
    last = 0
    fill = []
    errors = []
    for m in _MACRO_RE.finditer(sql):
        name, argtext = m.group(1), m.group(2)
        if name == '__timeGroup':
            # pre-5.3 compatibility: decided by the character after the *first* occurrence
            # of the same text in the query, as Grafana's strings.Index does
            idx = sql.find(m.group(0)) + len(m.group(0))
            if idx < len(sql) and sql[idx] == ',':
                name = '__timeGroupAlias'
        args = [a.strip(' ') for a in argtext.split(',')]
        try:
            res = _evaluate(name, args, from_ms, to_ms, timescaledb, fill)
        except MacroError as e:
            errors.append(e)
            res = 'macro_error()'
        out.append(sql[last:m.start()] + res)
        last = m.end()
    if errors:
        raise errors[0]
    return ''.join(out) + sql[last:], fill


def expand(raw_sql, variables, from_ms, to_ms, max_data_points, min_interval=None,
           timescaledb=False):
    """The whole path of a panel query -> (sql the server runs, interval_ms, fill)."""
    interval_ms, interval_text = calculate_interval(from_ms, to_ms, max_data_points, min_interval)
    sql = frontend_replace(raw_sql, variables, from_ms, to_ms, interval_ms, interval_text)
    sql = backend_interpolate(sql, from_ms, to_ms, interval_ms)
    sql, fill = macro_interpolate(sql, from_ms, to_ms, timescaledb)
    return sql, interval_ms, fill
