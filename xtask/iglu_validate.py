#!/usr/bin/env python3
"""Validate client_session entities against the official Iglu schema client_session 1-0-2.

Input is JSON lines as `client-session replay` and `run` print them (spec Part C): one JSON object
per line with a `client_session` key holding the entity's data or null. Lines are read from the
files named on the command line, or from stdin when there are none (or for `-`). Every non-null
entity is validated with `jsonschema.Draft4Validator` and format checking on, so `uuid` and
`date-time` are checked, not only the schema's types, patterns and enums.

    cargo run -q -p client-session-cli -- replay tests/scenarios/mobile/01-first-event-ever.json \
        | python3 xtask/iglu_validate.py

Exit status: 0 when every entity is valid (and there was at least one, unless --allow-empty),
1 at the first invalid entity (named with its file, line, step and event, and the error),
2 for unreadable input, a line that is not a JSON object with a `client_session` key, or a missing
schema or Python package. Needs `python3 -m pip install jsonschema rfc3339-validator`.
"""

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

SCHEMA_PATH = "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"
SCHEMA_NAME = "client_session 1-0-2"


def die(code, message):
    print(f"iglu: {message}", file=sys.stderr)
    sys.exit(code)


def default_schema():
    """IGLU_SCHEMAS, else ../shared/iglu/schemas beside the workspace this script lives in."""
    base = os.environ.get("IGLU_SCHEMAS")
    if base:
        root = Path(base)
    else:
        root = Path(__file__).resolve().parent.parent.parent / "shared" / "iglu" / "schemas"
    return root / SCHEMA_PATH


def make_validator(schema):
    try:
        import jsonschema
        from jsonschema.exceptions import best_match
    except ImportError:
        die(2, "Python package jsonschema missing: python3 -m pip install jsonschema rfc3339-validator")

    jsonschema.Draft4Validator.check_schema(schema)
    checker = jsonschema.FormatChecker()
    # jsonschema registers its date-time check only when rfc3339-validator is importable; without
    # it, every string would silently pass as a date-time.
    if "date-time" not in checker.checkers:
        die(2, "jsonschema cannot check date-time here: python3 -m pip install rfc3339-validator")
    # Draft 4 itself has no `uuid` format, and some jsonschema versions' checkers lack it; Iglu's
    # validators do check it, so add the check where it is missing.
    if "uuid" not in checker.checkers:

        @checker.checks("uuid", raises=ValueError)
        def is_uuid(instance):
            if not isinstance(instance, str):
                return True
            uuid.UUID(instance)
            return len(instance) == 36 and all(instance[i] == "-" for i in (8, 13, 18, 23))

    validator = jsonschema.Draft4Validator(schema, format_checker=checker)
    self_test(validator)
    return validator, best_match


def self_test(validator):
    """Refuse to run unless the format checks really reject bad values under this jsonschema."""
    good = {
        "userId": "6f0e7f9a-3b2a-4c1d-9e8f-0a1b2c3d4e5f",
        "sessionId": "1c9d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "sessionIndex": 1,
        "previousSessionId": None,
        "storageMechanism": "LOCAL_STORAGE",
        "firstEventId": "2d0e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
        "firstEventTimestamp": "2023-11-14T22:13:20.000Z",
        "eventIndex": 1,
    }
    errors = list(validator.iter_errors(good))
    if errors:
        die(2, f"self-test: a valid entity was rejected: {errors[0].message}")
    bad_values = [
        ("sessionId", "not-a-uuid"),
        ("sessionId", "1c9d2e3f4a5b4c6d8e7f9a0b1c2d3e4f"),
        ("firstEventId", "2d0e3f4a-5b6c-4d7e-8f9a"),
        ("previousSessionId", "x"),
        ("firstEventTimestamp", "2023-11-14T22:13:20.000"),
        ("firstEventTimestamp", "2023-11-14T25:13:20.000Z"),
        ("firstEventTimestamp", "1700000000000"),
    ]
    for key, value in bad_values:
        entity = dict(good, **{key: value})
        if not any(e.validator == "format" for e in validator.iter_errors(entity)):
            die(2, f"self-test: the format checker accepted {key}={value!r}; it does not check formats")


def read_lines(sources):
    """Yields (label, line number, text) for every non-blank line of every source."""
    for source in sources:
        if source == "-":
            label, stream, close = "<stdin>", sys.stdin, False
        else:
            label = source
            try:
                stream, close = open(source, encoding="utf-8"), True
            except OSError as err:
                die(2, f"cannot read {source}: {err}")
        try:
            for number, text in enumerate(stream, start=1):
                if text.strip():
                    yield label, number, text
        finally:
            if close:
                stream.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="JSON-lines files (default: stdin; - for stdin)")
    parser.add_argument("--schema", type=Path, help=f"the schema file (default: $IGLU_SCHEMAS or ../shared/iglu/schemas, then {SCHEMA_PATH})")
    parser.add_argument("--allow-empty", action="store_true", help="succeed when no line held an entity")
    args = parser.parse_args()

    schema_file = args.schema or default_schema()
    try:
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        die(2, f"cannot load schema {schema_file}: {err}")
    validator, best_match = make_validator(schema)

    valid = lines = nulls = 0
    for label, number, text in read_lines(args.files or ["-"]):
        lines += 1
        where = f"{label}:{number}"
        try:
            record = json.loads(text)
        except ValueError as err:
            die(2, f"{where}: not JSON: {err}")
        if not isinstance(record, dict) or "client_session" not in record:
            die(2, f"{where}: not an object with a client_session key")
        entity = record["client_session"]
        if entity is None:
            nulls += 1
            continue
        error = best_match(validator.iter_errors(entity))
        if error is not None:
            path = "/" + "/".join(str(p) for p in error.absolute_path)
            print(
                f"iglu: INVALID client_session at {where} (step {record.get('step')}, "
                f"event {record.get('event')}): {error.message} (at {path}, rule {error.validator})\n"
                f"iglu: entity: {json.dumps(entity)}",
                file=sys.stderr,
            )
            sys.exit(1)
        valid += 1

    if valid == 0 and not args.allow_empty:
        die(1, f"no client_session entity to validate in {lines} lines ({nulls} null)")
    print(f"iglu: {lines} lines read, {nulls} without an entity")
    print(f"iglu: {valid} entities valid against {SCHEMA_NAME}")


if __name__ == "__main__":
    main()
