"""Write the JSON Schema of the CLI's ``--json`` output from the result dataclasses' type hints.

    .venv/bin/python scripts/cli_json_schema.py           # rewrite checker/schemas/cli-json.schema.json
    .venv/bin/python scripts/cli_json_schema.py --check   # exit 1 when the file is out of date

``--json`` prints ``checker.shared.result.to_jsonable`` of the command's result object, so the schema is
derived from the same dataclasses: every field is required, no other property is allowed, enums list
their values, ``X | None`` allows null. Fields typed ``Any`` (a mechanism's own detail object) are
left open. ``tests/cli/test_cli_json_schema.py`` checks the file is current and validates the real
output of every command against it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import enum
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCHEMA_PATH = ROOT / "checker" / "schemas" / "cli-json.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _description(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    if doc.startswith(f"{cls.__name__}("):  # the signature dataclasses write when there is no docstring
        return ""
    return " ".join(doc.split("\n\n")[0].split())


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}
        self._names: dict[type, str] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = self._names.get(cls)
        if name is None:
            name = cls.__name__
            if name in self.defs or name in self._names.values():
                name = f"{cls.__module__.removeprefix('checker.').replace('.', '_')}_{cls.__name__}"
            self._names[cls] = name
            self.defs[name] = {}  # reserved first: dataclasses may refer to themselves
            self.defs[name] = self._dataclass(cls)
        return {"$ref": f"#/$defs/{name}"}

    def _dataclass(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        fields = [f.name for f in dataclasses.fields(cls)]
        schema: dict[str, Any] = {"type": "object"}
        if description := _description(cls):
            schema["description"] = description
        schema["properties"] = {name: self.schema(hints[name]) for name in fields}
        schema["required"] = fields
        schema["additionalProperties"] = False
        return schema

    def schema(self, hint: Any) -> dict[str, Any]:
        origin = typing.get_origin(hint)
        arguments = typing.get_args(hint)
        if hint is Any or hint is object or isinstance(hint, typing.TypeVar):
            return {}
        if hint is type(None):
            return {"type": "null"}
        if origin in (typing.Union, types.UnionType):
            options = [self.schema(argument) for argument in arguments]
            return {} if {} in options else {"anyOf": options}
        if origin is typing.Literal:
            return {"enum": list(arguments)}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"type": "string", "enum": [member.value for member in hint]}
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.ref(hint)
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint in (str, bytes):
            return {"type": "string"}
        if hint in (datetime.date, datetime.datetime):
            return {"type": "string", "format": "date" if hint is datetime.date else "date-time"}
        if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
            return {"type": "array", "items": self.schema(arguments[0])}
        if origin is tuple and arguments:
            items = [self.schema(argument) for argument in arguments]
            return {"type": "array", "prefixItems": items, "items": False}
        if origin in (list, set, frozenset, Sequence) or hint in (list, tuple, set, frozenset):
            return {"type": "array", "items": self.schema(arguments[0]) if arguments else {}}
        if origin in (dict, Mapping) or hint is dict:
            values = self.schema(arguments[1]) if len(arguments) == 2 else {}
            return {"type": "object", "additionalProperties": values} if values else {"type": "object"}
        raise TypeError(f"no JSON Schema for the type hint {hint!r}")


def build_schema() -> dict[str, Any]:
    """The schema: ``$defs`` for every result type and one entry per command under ``$defs``."""
    from checker.analyses.domain.audit import DomainAudit
    from checker.analyses.headers.analyze import HeadersAnalysis
    from checker.analyses.ip import IpReport
    from checker.frontends.catalog_source import CatalogInfo
    from checker.pasted.bounce.model import BounceAnalysis
    from checker.shared.result import InputError

    builder = _Builder()
    commands = {
        "domain": builder.ref(DomainAudit),
        "ip": builder.ref(IpReport),
        "headers": builder.ref(HeadersAnalysis),
    }
    bounce = json.loads(json.dumps(builder.defs[builder.ref(BounceAnalysis)["$ref"].rsplit("/", 1)[1]]))
    bounce["description"] = (
        "`bounce --json`: the BounceAnalysis, plus the catalog the pages were ranked from (null when no "
        "catalog could be loaded)."
    )
    bounce["properties"]["catalog"] = {"anyOf": [builder.ref(CatalogInfo), {"type": "null"}]}
    bounce["required"] = [*bounce["required"], "catalog"]
    builder.defs["BounceOutput"] = bounce
    commands["bounce"] = {"$ref": "#/$defs/BounceOutput"}
    builder.defs["InputErrorOutput"] = {
        "type": "object",
        "description": "What any command prints with --json when its input is refused (exit code 2).",
        "properties": {"input_error": builder.ref(InputError)},
        "required": ["input_error"],
        "additionalProperties": False,
    }
    # The section detail is each mechanism's own result object: documented by its dataclass, not here.
    section = builder.defs["Section"]["properties"]
    section["name"] = {"enum": ["MX", "SPF", "DKIM", "DMARC", "MTA-STS", "TLS-RPT", "BIMI"]}
    section["detail"] = {
        "description": "The mechanism's own result object (or null); its fields may change between versions."
    }
    builder.defs["Check"]["properties"]["reason"]["pattern"] = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
    for command, reference in commands.items():
        builder.defs[f"command_{command}"] = {
            "description": f"`{command} --json` on success (exit codes 0, 1, 3).",
            **reference,
        }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "smtp-checker --json output",
        "description": (
            "What `smtp-checker COMMAND --json` prints: one document per run, the command's result "
            "(#/$defs/command_domain, command_ip, command_headers, command_bounce) or, when the input is "
            "refused, #/$defs/InputErrorOutput. Generated by scripts/cli_json_schema.py from the result "
            "dataclasses; reason codes are listed in checker/README.md."
        ),
        "anyOf": [
            {"$ref": "#/$defs/command_domain"},
            {"$ref": "#/$defs/command_ip"},
            {"$ref": "#/$defs/command_headers"},
            {"$ref": "#/$defs/command_bounce"},
            {"$ref": "#/$defs/InputErrorOutput"},
        ],
        "$defs": dict(sorted(builder.defs.items())),
    }


def render() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the --json output schema.")
    parser.add_argument("--check", action="store_true", help="only check the file is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH.relative_to(ROOT)} is out of date: run scripts/cli_json_schema.py")
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.relative_to(ROOT)} ({len(build_schema()['$defs'])} definitions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
