"""Load configuration files from ``configs/`` safely (``yaml.safe_load``) and check them.

Each ``configs/<name>.yaml`` may have a ``configs/<name>.schema.json`` beside it; when it does,
the loaded document is validated against it and a clear error names the file and the field.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import PermanentError
from pipeline.settings import CONFIG_DIR


class ConfigError(PermanentError, ValueError):
    """A configuration file is missing, unparsable or breaks its schema."""


@cache
def load_config(name: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """Return ``configs/<name>.yaml`` as a dict, schema-checked when a schema file exists."""
    import yaml

    path = config_dir / f"{name}.yaml"
    if not path.exists():
        raise ConfigError(f"configuration file {path} is missing")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(doc).__name__}")
    schema_path = config_dir / f"{name}.schema.json"
    if schema_path.exists():
        validate_against_schema(doc, json.loads(schema_path.read_text(encoding="utf-8")), path)
    return doc


def validate_against_schema(doc: Any, schema: dict[str, Any], source: Path) -> None:
    """Raise ConfigError listing every schema violation in ``doc`` (path inside the document + message)."""
    import jsonschema

    # format_checker: every string declared `"format": "regex"` must compile
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors[:20]]
        raise ConfigError(f"{source} breaks its schema ({len(errors)} problem(s)):\n" + "\n".join(lines))
