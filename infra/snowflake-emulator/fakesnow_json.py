"""fakesnow_json: a local Snowflake emulator for the Node driver (snowflake-sdk 3.x), on fakesnow 0.12.1.

An ASGI app wrapping fakesnow's HTTP server (Snowflake SQL on DuckDB). What it adds (details: README.md):
- results as a JSON `rowset` with `returned`/`total` (the Node driver cannot read fakesnow's Arrow), values as
  text in the driver's formats, and the output-format parameters the driver needs; POST /telemetry/send;
- errors as HTTP 200 `{success: false, code, message, data: {sqlState}}` (fakesnow answers some with HTTP 500,
  which the driver retries for minutes); two statements in one request are refused (000008), as by default;
- array binds on `INSERT ... VALUES (?, ...)` / `INSERT ... SELECT ?, ...` (no FROM) as one INSERT over an
  Arrow table, not one statement per row; `?::TYPE`; `MERGE ... USING (subquery)` whose subquery uses its own
  select aliases (`QUALIFY ... PARTITION BY alias`);
- streams on tables: CREATE/DROP STREAM, reading one, SYSTEM$STREAM_HAS_DATA; the offset moves when a DML
  statement that read the stream commits (inside BEGIN ... COMMIT: at the COMMIT);
- tasks: CREATE/DROP TASK, ALTER TASK RESUME|SUSPEND, EXECUTE TASK (runs now and returns after the run,
  honouring WHEN), TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...)) with the runs and their states;
- no-ops: CREATE/ALTER/DROP WAREHOUSE|ROLE, GRANT, REVOKE, ALTER SESSION SET TIMEZONE='UTC'|QUERY_TAG; a new
  database gets schema PUBLIC.

Known differences from Snowflake, besides fakesnow's own:
- State is in memory. Schedules never fire: run EXECUTE TASK. History has no SCHEDULED/EXECUTING rows; a run
  skipped (WHEN false, or the task still running) is STATE 'SKIPPED' with an ERROR_MESSAGE saying why.
- A stream is a view `table EXCEPT ALL snapshot` (snapshot in schema _FS_STREAMS of its database): it shows
  inserts only (an updated row as a new INSERT, a delete not at all), METADATA$ISUPDATE FALSE, METADATA$ROW_ID
  NULL, and each read scans the table. A DuckDB transaction writes to one database only: a statement that
  reads a stream must write into the stream's database.
- An error inside BEGIN ... COMMIT aborts the transaction (Snowflake keeps it open).

Run: `scripts/snowflake-local.sh up` (the repo's way: venv, port 8085, detached), or inside an environment
with the pins of requirements.txt `python fakesnow_json.py --port 8085` / `uvicorn fakesnow_json:app --port 8085`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import contextvars
import datetime as dt
import decimal
import gzip
import json
import logging
import re
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyarrow as pa
from snowflake.connector.errors import ProgrammingError
from sqlglot import exp
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

import fakesnow.info_schema as fs_info_schema
import fakesnow.transforms as fs_transforms
import fakesnow.transforms.transforms as fs_transforms_impl
import fakesnow.server as fs_server
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.converter import from_binding
from fakesnow.dialect import parse, parse_one

# Snowflake's defaults: the driver reads the formats from each result (BINARY_OUTPUT_FORMAT is required)
OUTPUT_PARAMETERS = {"TIMEZONE": "Etc/UTC", "BINARY_OUTPUT_FORMAT": "HEX", "DATE_OUTPUT_FORMAT": "YYYY-MM-DD",
                     "TIME_OUTPUT_FORMAT": "HH24:MI:SS", "TIMESTAMP_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM",
                     "TIMESTAMP_NTZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3", "TIMESTAMP_LTZ_OUTPUT_FORMAT": "",
                     "TIMESTAMP_TZ_OUTPUT_FORMAT": ""}  # fmt: skip
NO_OP = re.compile(r"(CREATE|ALTER|DROP)\s+(OR\s+REPLACE\s+)?(WAREHOUSE|ROLE)\b|(GRANT|REVOKE)\s"
                   r"|ALTER\s+SESSION\s+SET\s+(QUERY_TAG\s*=|TIMEZONE\s*=\s*'(UTC|Etc/UTC|GMT)')", re.I)  # fmt: skip
HISTORY = '"_FS_GLOBAL"."MAIN"."_FS_TASK_HISTORY"'
HISTORY_COLUMNS = ("QUERY_ID", "NAME", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TEXT", "CONDITION_TEXT", "STATE",
                   "ERROR_CODE", "ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "NEXT_SCHEDULED_TIME",
                   "COMPLETED_TIME", "RUN_ID", "SCHEDULED_FROM")  # fmt: skip
HISTORY_DDL = "CREATE TABLE IF NOT EXISTS {} ({})".format(HISTORY, ", ".join(
    f"{c} {'TIMESTAMPTZ' if c.endswith('_TIME') else 'BIGINT' if c == 'RUN_ID' else 'VARCHAR'}" for c in HISTORY_COLUMNS))
MERGE_SOURCE, BINDS = "_FS_MERGE_SOURCE", "_FS_BINDS"


class Stream(NamedTuple):
    table: str  # quoted DuckDB name of the table the stream is on
    snapshot: str  # quoted DuckDB name of the copy of that table at the stream's offset


@dataclass
class Task:
    db: str
    schema: str
    name: str
    body: str
    when: str | None  # WAREHOUSE and SCHEDULE are accepted and ignored
    state: str = "suspended"
    running: threading.Lock = field(default_factory=threading.Lock)


STREAMS: dict[tuple[str, str, str], Stream] = {}
TASKS: dict[tuple[str, str, str], Task] = {}
TRANSACTIONS: dict[str, set[Stream]] = {}  # session token -> streams read since the session's BEGIN
SESSION_LOCKS: dict[str, asyncio.Lock] = {}
fakesnow_error: contextvars.ContextVar[str | None] = contextvars.ContextVar("fakesnow_error", default=None)


def sf_error(message: str, errno: int = 2003, sqlstate: str = "02000") -> ProgrammingError:
    return ProgrammingError(msg=message, errno=errno, sqlstate=sqlstate)


def not_found(kind: str, name: str) -> ProgrammingError:
    return sf_error(f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.")


# ---------------------------------------------------------------- adjustments to fakesnow
def _keep_unhandled_error(record: logging.LogRecord) -> bool:
    """fakesnow logs an unhandled exception, then answers HTTP 500 without its text: keep the text."""
    if record.exc_info and record.exc_info[1] is not None:
        fakesnow_error.set(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}")
    return True


def _not_for_merge_temp_tables(build_sql: Any) -> Any:
    """fakesnow records the comment and text lengths of new tables, its MERGE's temp tables too, in database
    _fs_global; in a transaction that already wrote elsewhere, DuckDB refuses that second database."""
    def build(catalog: str, schema: str, table: str, *rest: Any) -> str:
        skip = table.upper() in ("MERGE_CANDIDATES", MERGE_SOURCE)
        return "SELECT 1" if skip else build_sql(catalog, schema, table, *rest)

    return build


def _numeric_agg_exact(expression: exp.Expr) -> exp.Expr:
    """fakesnow wraps the argument of SUM, AVG and other numeric aggregates in TRY_CAST(... AS DOUBLE), for
    the VARCHAR arguments Snowflake casts implicitly; that turns a SUM of NUMBER(12,2) money into a float typed
    REAL, where Snowflake answers an exact NUMBER(38,2). Keep the argument's type (and fakesnow's column
    name); a numeric aggregate of a VARCHAR column then fails here, as DuckDB refuses it."""
    if isinstance(expression, fs_transforms_impl._NUMERIC_ONLY_AGGS):  # noqa: SLF001
        parent = expression.parent
        if not isinstance(parent, exp.Alias) and isinstance(parent, exp.Select):
            if name := fs_transforms_impl._numeric_agg_col_name(expression, expression.this):  # noqa: SLF001
                return exp.alias_(expression, name, quoted=True)
    return expression


logging.getLogger("fakesnow.server").addFilter(_keep_unhandled_error)
fs_transforms.numeric_agg_implicit_cast = _numeric_agg_exact
fs_info_schema.insert_table_comment_sql = _not_for_merge_temp_tables(fs_info_schema.insert_table_comment_sql)
fs_info_schema.insert_text_lengths_sql = _not_for_merge_temp_tables(fs_info_schema.insert_text_lengths_sql)
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")  # fakesnow's, harmless


# ---------------------------------------------------------------- answers in the driver's JSON
def _seconds(nanoseconds: int) -> str:
    sign, ns = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    return f"{sign}{ns // 10**9}.{ns % 10**9:09d}"


CELL_TEXT = {  # by the column's Snowflake type; fakesnow's Arrow has timestamps as {epoch, fraction[, timezone]}
    "timestamp": lambda v: _seconds(v["epoch"] * 10**9 + v["fraction"]) + (f" {v['timezone']}" if len(v) > 2 else ""),
    "time": _seconds,  # from nanoseconds since midnight
    "date": lambda v: str((v - dt.date(1970, 1, 1)).days),
    "boolean": lambda v: "1" if v else "0",
    "binary": lambda v: v.hex().upper(),
}


def _cell(value: Any, sf_type: str) -> str | None:
    if value is None or (isinstance(value, dict) and "epoch" in value and value["epoch"] is None):
        return None  # a NULL timestamp is a struct of NULLs in fakesnow's Arrow
    if convert := CELL_TEXT.get(sf_type.split("_")[0]):
        return convert(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(repr(value), repr(value))
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def as_json_answer(status: int, payload: dict) -> dict:
    """fakesnow's answer, rewritten into what the Node driver reads."""
    if status != 200 or not payload.get("success"):
        message = (fakesnow_error.get() if status == 500 else None) or payload.get("message") or ""
        return error_answer(payload.get("code") or "000603", message, (payload.get("data") or {}).get("sqlState"))
    data = payload["data"]
    given = {p["name"]: p["value"] for p in data.get("parameters") or []}
    data["parameters"] = [{"name": k, "value": v} for k, v in {**OUTPUT_PARAMETERS, **given}.items()]
    if data.get("queryResultFormat") == "arrow":
        encoded, types = data.pop("rowsetBase64", ""), [c["type"] for c in data["rowtype"]]
        table = pa.ipc.open_stream(base64.b64decode(encoded)).read_all() if encoded else None
        columns = [[_cell(v, t) for v in a.to_pylist()] for a, t in zip(table.columns, types)] if table else []
        data["rowset"], data["queryResultFormat"] = [list(row) for row in zip(*columns)], "json"
    if isinstance(data.get("rowset"), list):
        width = len(data["rowtype"])  # fakesnow answers a row-by-row batch with one count: pad to the columns
        data["rowset"] = [row + ["0"] * (width - len(row)) for row in data["rowset"]]
        data["returned"] = data["total"] = len(data["rowset"])
    return payload


def error_answer(code: str, message: str, sql_state: str | None) -> dict:
    message = re.sub(r"^\d{6} \(\w+\): ", "", message)  # the Python connector's "002003 (42S02): " prefix
    data = {"errorCode": code, "sqlState": sql_state or "XX000", "queryId": str(uuid.uuid4())}
    return {"success": False, "code": code, "message": message, "data": data}


def status_answer(conn: FakeSnowflakeConnection, text: str) -> dict:
    column = {"name": "status", "type": "text", "nullable": True, "length": 16777216, "byteLength": 16777216,
              "scale": None, "precision": None, "database": "", "schema": "", "table": "", "collation": None}
    data = {"rowtype": [column], "rowset": [[text]], "returned": 1, "total": 1, "queryResultFormat": "json",
            "queryId": str(uuid.uuid4()), "statementTypeId": 0x6000, "finalDatabaseName": conn.database,
            "finalSchemaName": conn.schema}  # fmt: skip
    return as_json_answer(200, {"success": True, "data": data})


# ---------------------------------------------------------------- names
def quoted(*parts: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def qualify(conn: FakeSnowflakeConnection, name: str | exp.Table) -> tuple[str, str, str]:
    """(database, schema, name) of a possibly partial name; unquoted parts upper-cased, as Snowflake does."""
    table = name if isinstance(name, exp.Table) else exp.to_table(name.strip(), dialect="snowflake")
    parts = [table.args.get(k) for k in ("catalog", "db", "this")]
    names = [(p.name if p.quoted else p.name.upper()) if isinstance(p, exp.Identifier) else None for p in parts]
    return names[0] or conn.database or "MAIN", names[1] or conn.schema or "MAIN", names[2]


def split_at_keyword(text: str, keyword: str) -> tuple[str, str] | None:
    """`text` split at the first `keyword` outside strings and parentheses."""
    depth = 0
    for m in re.finditer(rf"'(?:[^'\\]|\\.|'')*'|\$\$.*?\$\$|\"[^\"]*\"|[()]|\b{keyword}\b", text, re.I | re.S):
        depth += {"(": 1, ")": -1}.get(m.group(), 0)
        if m.group().upper() == keyword and depth == 0:
            return text[: m.start()], text[m.end() :]
    return None


# ---------------------------------------------------------------- stream and task statements
def shim_statement(conn: FakeSnowflakeConnection, sql: str) -> str | None:
    """Run a statement the emulator answers itself; its status text, or None for any other statement."""
    text = re.sub(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*\s*", "", sql, flags=re.S).rstrip().rstrip(";")
    duck, flags = conn._duck_conn, re.I | re.S  # noqa: SLF001
    if NO_OP.match(text):
        return "Statement executed successfully."
    m = re.fullmatch(r"CREATE\s+(OR\s+REPLACE\s+)?(STREAM|TASK)\s+(IF\s+NOT\s+EXISTS\s+)?(\S+)(.*)", text, flags)
    if m and (key := qualify(conn, m[4])) in (STREAMS if m[2].upper() == "STREAM" else TASKS) and not m[1]:
        if m[3]:
            return f"{key[2]} already exists, statement succeeded."
        raise sf_error(f"SQL compilation error:\nObject '{key[2]}' already exists.", 2002, "42710")
    if m and m[2].upper() == "STREAM":
        if not (on := re.fullmatch(r"\s+ON\s+TABLE\s+(\S+)(.*)", m[5], flags)):
            raise sf_error("SQL compilation error:\nThe emulator supports streams ON TABLE only.", 1003, "42000")
        source, snapshot = qualify(conn, on[1]), quoted(key[0], "_FS_STREAMS", f"{key[1]}.{key[2]}")
        initial = " LIMIT 0" if re.search(r"SHOW_INITIAL_ROWS\s*=\s*TRUE", on[2], re.I) else ""
        try:
            duck.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(key[0], '_FS_STREAMS')}")
            duck.execute(f"CREATE OR REPLACE TABLE {snapshot} AS SELECT * FROM {quoted(*source)}{initial}")
        except Exception as e:
            raise not_found("Table", ".".join(source)) from e
        duck.execute(f"""CREATE OR REPLACE VIEW {quoted(*key)} AS SELECT *, 'INSERT' AS "METADATA$ACTION",
            FALSE AS "METADATA$ISUPDATE", CAST(NULL AS VARCHAR) AS "METADATA$ROW_ID"
            FROM (SELECT * FROM {quoted(*source)} EXCEPT ALL SELECT * FROM {snapshot})""")
        STREAMS[key] = Stream(quoted(*source), snapshot)
        return f"Stream {key[2]} successfully created."
    if m:  # CREATE TASK
        if not (options_body := split_at_keyword(m[5], "AS")):
            raise sf_error("SQL compilation error:\nCREATE TASK needs AS <statement>.", 1003, "42000")
        options, body = options_body
        when = split_at_keyword(options, "WHEN")
        TASKS[key] = Task(*key, body.strip(), when and when[1].strip())
        return f"Task {key[2]} successfully created."
    if not (m := re.fullmatch(r"(ALTER|DROP|EXECUTE)\s+(STREAM|TASK)\s+(IF\s+EXISTS\s+)?(\S+)\s*(.*)", text, flags)):
        return None
    verb, kind, action, key = m[1].upper(), m[2].upper(), m[5].strip().upper(), qualify(conn, m[4])
    if not (found := (STREAMS if kind == "STREAM" else TASKS).get(key)):
        if m[3]:
            return f"Drop statement executed successfully ({key[2]} already dropped)."
        raise not_found(kind.title(), key[2])
    if verb == "DROP":
        del (STREAMS if kind == "STREAM" else TASKS)[key]
        if isinstance(found, Stream):
            duck.execute(f"DROP VIEW IF EXISTS {quoted(*key)}")
            duck.execute(f"DROP TABLE IF EXISTS {found.snapshot}")
        return f"{key[2]} successfully dropped."
    if verb == "EXECUTE" and isinstance(found, Task):
        run = run_task(conn, found)
        return f"Task {key[2]} ran: {run['STATE']}" + (f" ({run['ERROR_MESSAGE']})" if run["ERROR_MESSAGE"] else "")
    if not (isinstance(found, Task) and verb == "ALTER" and action in ("RESUME", "SUSPEND")):
        raise sf_error(f"Emulator: unsupported: {verb} {kind} ... {action}", 2, "0A000")
    found.state = "started" if action == "RESUME" else "suspended"
    return "Statement executed successfully."


def run_task(conn: FakeSnowflakeConnection, task: Task) -> dict:
    """Run `task` now, in a session of its own, and record the run in the task history."""
    now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    run: dict[str, Any] = dict.fromkeys(HISTORY_COLUMNS)
    run.update(NAME=task.name, DATABASE_NAME=task.db, SCHEMA_NAME=task.schema, QUERY_TEXT=task.body,
               CONDITION_TEXT=task.when, STATE="SUCCEEDED", SCHEDULED_TIME=now(), SCHEDULED_FROM="EXECUTE TASK",
               RUN_ID=int(now().timestamp() * 1e3))  # fmt: skip
    duck = conn._duck_conn.cursor()  # noqa: SLF001 - a DuckDB connection of its own
    session = FakeSnowflakeConnection(duck, conn.results_cache, task.db, task.schema, create_database=False,
                                      create_schema=False)  # fmt: skip
    if not task.running.acquire(blocking=False):
        run.update(STATE="SKIPPED", ERROR_MESSAGE="The previous run of the task is still executing.")
    else:
        try:
            if task.when and not execute(session, f"SELECT ({task.when})").fetchone()[0]:
                run.update(STATE="SKIPPED", ERROR_MESSAGE="Conditional expression for task evaluated to false.")
            else:
                run["QUERY_START_TIME"] = now()
                run["QUERY_ID"] = execute(session, task.body).sfqid
        except Exception as e:  # noqa: BLE001 - the body's failure is the run's outcome
            message = re.sub(r"^\d{6} \(\w+\): ", "", getattr(e, "msg", None) or str(e))
            run.update(STATE="FAILED", ERROR_CODE=f"{getattr(e, 'errno', None) or 100000:06d}", ERROR_MESSAGE=message)
        finally:
            task.running.release()
    run["COMPLETED_TIME"] = now()
    duck.execute(HISTORY_DDL)
    duck.execute(f"INSERT INTO {HISTORY} ({', '.join(run)}) VALUES ({', '.join('?' * len(run))})", [*run.values()])
    session.close()
    return run


# ---------------------------------------------------------------- rewrites of ordinary statements
@dataclass
class Plan:
    sql: str
    bindings: dict | None
    kind: type | None = None  # the statement's sqlglot class
    streams: set[Stream] = field(default_factory=set)  # read by the statement, in a transaction of our own
    cleanup: list[str] = field(default_factory=list)
    new_database: str | None = None


def _stream_has_data(conn: FakeSnowflakeConnection, node: exp.Expr) -> exp.Expr:
    if not (isinstance(node, exp.Anonymous) and node.name.upper() == "SYSTEM$STREAM_HAS_DATA"):
        return node
    if (key := qualify(conn, node.expressions[0].name)) not in STREAMS:
        raise not_found("Stream", key[2])
    return exp.Exists(this=exp.select("1").from_(exp.table_(key[2], db=key[1], catalog=key[0], quoted=True)))


def _task_history(node: exp.Expr) -> exp.Expr:
    function = node.find(exp.Anonymous) if isinstance(node, exp.TableFromRows) else None
    if not (isinstance(function, exp.Anonymous) and function.name.upper() == "TASK_HISTORY"):
        return node
    kwargs = [a for a in function.expressions if isinstance(a, exp.Kwarg)]
    args = {a.this.name.upper(): a.expression.sql("snowflake") for a in kwargs}
    where = ["TRUE"] + [condition.format(args[name]) for name, condition in (
        ("TASK_NAME", "UPPER(NAME) = UPPER({})"), ("ERROR_ONLY", "(NOT {} OR STATE = 'FAILED')"),
        ("SCHEDULED_TIME_RANGE_START", "SCHEDULED_TIME >= {}"), ("SCHEDULED_TIME_RANGE_END", "SCHEDULED_TIME < {}"),
    ) if name in args]  # fmt: skip
    limit = args.get("RESULT_LIMIT", "100")
    select = parse_one(f"SELECT * FROM {HISTORY} WHERE {' AND '.join(where)} ORDER BY SCHEDULED_TIME DESC LIMIT {limit}")
    return exp.Subquery(this=select, alias=node.args.get("alias") or exp.TableAlias(this=exp.to_identifier("H")))


def _bind_column(binding: dict) -> pa.Array:
    values = binding["value"]
    if binding["type"] in ("TEXT", "VARIANT", "OBJECT", "ARRAY"):
        return pa.array(values, pa.string())
    try:
        array = pa.array([None if v is None else from_binding({**binding, "value": v}) for v in values])
    except (ValueError, TypeError, pa.ArrowException):  # eg: a FIXED column (typed from row 1) holding 1.5
        array = pa.array(values, pa.string())  # DuckDB casts the text on insert
    return array.cast(pa.string()) if pa.types.is_null(array.type) else array


def _array_insert(conn: FakeSnowflakeConnection, tree: exp.Expr, bindings: dict, plan: Plan) -> exp.Expr:
    """An INSERT with array binds, as one INSERT ... SELECT ... FROM an Arrow table of the binds."""
    placeholders = list(tree.find_all(exp.Placeholder, bfs=False))  # in text order
    source = tree.expression
    if isinstance(source, exp.Values) and len(source.expressions) == 1:
        source = exp.select(*source.expressions[0].expressions)
    if not (isinstance(source, exp.Select) and not source.args.get("from_") and len(placeholders) == len(bindings)):
        return tree  # fakesnow runs it row by row
    for position, placeholder in enumerate(placeholders, start=1):
        placeholder.replace(exp.column(f"B{placeholder.this or position}", table=BINDS))
    tree.set("expression", source.from_(BINDS))
    conn._duck_conn.register(BINDS, pa.table({f"B{k}": _bind_column(b) for k, b in bindings.items()}))  # noqa: SLF001
    plan.bindings = None
    plan.cleanup.append(BINDS)
    return tree


def prepare(conn: FakeSnowflakeConnection, sql: str, bindings: dict | None, transaction: set[Stream] | None) -> Plan:
    """Rewrite a statement for fakesnow. `transaction`: the streams read in the session's open BEGIN, or None."""
    sql = re.sub(r"^\s*START\s+TRANSACTION\b", "BEGIN TRANSACTION", sql, flags=re.I)
    sql = re.sub(r"'(?:[^'\\]|\\.|'')*'|(\?|:\d+)\s*::\s*([A-Za-z_]\w*(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?)",
                 lambda m: f"CAST({m[1]} AS {m[2]})" if m[1] else m[0], sql)  # sqlglot cannot parse ?::TYPE
    plan = Plan(sql, bindings)
    try:
        trees = [t for t in parse(sql) if t and not isinstance(t, exp.Semicolon)]
    except ProgrammingError:
        return plan  # fakesnow reports the syntax error
    if len(trees) != 1:
        raise sf_error(f"Actual statement count {len(trees)} did not match the desired statement count 1.", 8, "0A000")
    tree, original, plan.kind = trees[0], trees[0].copy(), type(trees[0])
    if "SYSTEM$STREAM_HAS_DATA" in sql.upper():
        tree = tree.transform(lambda n: _stream_has_data(conn, n))
    if "TASK_HISTORY" in sql.upper():
        tree = tree.transform(_task_history)
    if isinstance(tree, exp.Create) and tree.kind == "DATABASE":
        plan.new_database = qualify(conn, tree.this)[2]
    duck = conn._duck_conn  # noqa: SLF001
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)) or isinstance(tree.expression, exp.Query):
        read = {STREAMS[k] for t in tree.find_all(exp.Table) if (k := qualify(conn, t)) in STREAMS and t.name}
        if transaction is not None:
            transaction.update(read)  # Snowflake moves the offset at COMMIT: each statement sees the same rows
        elif read:
            duck.execute("BEGIN TRANSACTION")  # the statement and the offset move commit together
            plan.streams = read
    elif isinstance(tree, exp.Commit) and transaction:
        advance(duck, transaction)  # just before the COMMIT, inside the transaction
    try:
        using = tree.args.get("using") if isinstance(tree, exp.Merge) else None
        if isinstance(using, exp.Subquery) and not tree.find(exp.Placeholder):
            # in fakesnow's rewrite of MERGE (a FULL OUTER JOIN), DuckDB binds `PARTITION BY alias` to the
            # target's column: run the subquery on its own first
            conn.cursor().execute(f"CREATE OR REPLACE TEMPORARY TABLE {MERGE_SOURCE} AS {using.this.sql('snowflake')}")
            using.set("this", exp.select("*").from_(MERGE_SOURCE))
            plan.cleanup.append(MERGE_SOURCE)
        array_binds = bindings and all(k.isdigit() and isinstance(b.get("value"), list) for k, b in bindings.items())
        if array_binds and isinstance(tree, exp.Insert):
            tree = _array_insert(conn, tree, bindings, plan)
    except Exception:
        finish(conn, plan, ok=False)
        raise
    plan.sql = tree.sql("snowflake") if tree != original or plan.cleanup else sql
    return plan


def advance(duck: Any, streams: set[Stream]) -> None:
    """Move the offsets of `streams` to their tables' content, as the current transaction sees it."""
    for stream in streams:
        try:
            duck.execute(f"DELETE FROM {stream.snapshot}")
            duck.execute(f"INSERT INTO {stream.snapshot} SELECT * FROM {stream.table}")
        except Exception as e:
            raise sf_error(f"Emulator: cannot move the offset of the stream on {stream.table} in this "
                           f"transaction: {str(e).splitlines()[0]}", 2, "0A000") from e  # fmt: skip


def finish(conn: FakeSnowflakeConnection, plan: Plan, ok: bool) -> None:
    """After the statement: move the offsets of the streams it read and commit, or roll back; clean up."""
    duck = conn._duck_conn  # noqa: SLF001
    try:
        if ok and plan.streams:
            advance(duck, plan.streams)
        if ok and plan.new_database:
            duck.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted(plan.new_database, 'PUBLIC')}")
    except ProgrammingError:
        ok = False
        raise
    finally:
        if plan.streams:
            duck.execute("COMMIT" if ok else "ROLLBACK")
        for name in plan.cleanup:  # fails in a transaction DuckDB aborted; the next use replaces it
            with contextlib.suppress(Exception):
                duck.unregister(name) if name == BINDS else duck.execute(f"DROP TABLE IF EXISTS temp.main.{name}")


def execute(conn: FakeSnowflakeConnection, sql: str) -> Any:
    """Run one statement, with the emulator's rewrites, on a fakesnow connection (for task runs)."""
    plan, ok = prepare(conn, sql, None, None), False
    try:
        cursor, ok = conn.cursor().execute(plan.sql), True
        return cursor
    finally:
        finish(conn, plan, ok)


# ---------------------------------------------------------------- HTTP
async def call_fakesnow(request: Request, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    headers = [(k, v) for k, v in request.scope["headers"] if k not in (b"content-encoding", b"content-length")]

    async def receive() -> dict:
        return {"type": "http.request", "body": raw, "more_body": False}

    response = await fs_server.query_request(Request({**request.scope, "headers": headers}, receive))
    return response.status_code, json.loads(response.body)


async def query_request(request: Request) -> JSONResponse:
    raw = await request.body()
    body = json.loads(gzip.decompress(raw) if request.headers.get("Content-Encoding") == "gzip" else raw)
    token = (request.headers.get("Authorization") or "")[17:-1]  # Snowflake Token="..."
    if not (conn := fs_server.sessions.get(token)) or body.get("describeOnly"):
        status, payload = await call_fakesnow(request, body)
        return JSONResponse(payload if status == 401 else as_json_answer(status, payload))
    async with SESSION_LOCKS.setdefault(token, asyncio.Lock()):  # one DuckDB connection per session
        try:
            return JSONResponse(await run_statement(request, conn, token, body))
        except ProgrammingError as e:
            return JSONResponse(error_answer(f"{e.errno:06d}", e.msg, e.sqlstate))
        except Exception as e:  # an emulator bug must not become an HTTP 500: the driver retries those
            logging.getLogger("fakesnow_json").exception("unhandled error")
            return JSONResponse(error_answer("000603", f"Emulator error: {type(e).__name__}: {e}", "XX000"))


async def run_statement(request: Request, conn: FakeSnowflakeConnection, token: str, body: dict) -> dict:
    if (text := await run_in_threadpool(shim_statement, conn, body["sqlText"])) is not None:
        return status_answer(conn, text)
    plan = await run_in_threadpool(prepare, conn, body["sqlText"], body.get("bindings"), TRANSACTIONS.get(token))
    ok = False
    try:
        status, payload = await call_fakesnow(request, {**body, "sqlText": plan.sql, "bindings": plan.bindings})
        ok = status == 200 and bool(payload.get("success"))
    finally:
        await run_in_threadpool(finish, conn, plan, ok)
    if plan.kind in (exp.Commit, exp.Rollback):
        TRANSACTIONS.pop(token, None)
    elif plan.kind is exp.Transaction and ok:
        TRANSACTIONS[token] = set()
    return as_json_answer(status, payload)


async def telemetry(_: Request) -> JSONResponse:
    return JSONResponse({"success": True, "data": None, "code": None, "message": None})


with fs_server.shared_fs.duck_conn.cursor() as _duck:
    _duck.execute(HISTORY_DDL)

app = Starlette(
    routes=[
        Route("/queries/v1/query-request", query_request, methods=["POST"]),
        Route("/telemetry/send", telemetry, methods=["POST"]),
        Mount("/", app=fs_server.app),  # login, session (delete, heartbeat), abort-request, PUT: fakesnow's own
    ]
)

if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description="Snowflake emulator for the Node driver: fakesnow, JSON results")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8085)
    parser.add_argument("--log-level", default="info", help="uvicorn log level (fakesnow logs SQL errors at info)")
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
