"""YAML loading that refuses what PyYAML silently accepts.

PyYAML keeps the last of two equal keys, so a manifest with ``upgradeMode`` twice applies
whichever came last without a word. Here every document is composed first, checked for
duplicate keys (reported with their field path and line), and only then constructed.
Timestamps stay strings, as they do for ``kubectl``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loading without the implicit timestamp type (Kubernetes reads them as strings)."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True)
class YamlIssue:
    """A problem in one document of a YAML file."""

    source: str
    document: int  # 1-based position of the document in the file
    obj: str  # "Kind/name" when the document says so, else "document N"
    path: str  # field path of the problem, "" when it concerns the whole document
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.obj}: {self.path or '(document)'}: {self.message}"


class StrictYamlError(ValueError):
    """A file could not be loaded strictly; ``issues`` says where and why."""

    def __init__(self, issues: list[YamlIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def field_path(parts: list[str | int]) -> str:
    """``spec.job.args[0]``; keys with dots or slashes are quoted: ``labels["a.b/c"]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(c.isalnum() or c in "_-$" for c in part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def _duplicates(
    node: yaml.Node, parts: list[str | int], seen: set[int]
) -> Iterator[tuple[str, int, int]]:
    """(path, line, first line) of every key repeated within one mapping."""
    if id(node) in seen:  # an alias back to a node already checked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # keys merged in with << may be overridden; that is the point
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None:
                line = key_node.start_mark.line + 1
                if key in first:
                    yield field_path([*parts, key]), line, first[key]
                else:
                    first[key] = line
            yield from _duplicates(value_node, [*parts, key if key is not None else "?"], seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, [*parts, index], seen)


def _scalar(node: yaml.Node, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _object_label(node: yaml.Node, index: int) -> str:
    kind, name = _scalar(node, "kind"), _scalar(node, "metadata", "name")
    return f"{kind}/{name}" if kind and name else f"document {index}"


def load_all(text: str, source: str = "<yaml>") -> list[Any]:
    """Every document of ``text`` (empty documents as None); raises StrictYamlError."""
    loader = _Loader(text)
    documents: list[Any] = []
    issues: list[YamlIssue] = []
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            index += 1
            label = _object_label(node, index)
            found = [
                YamlIssue(
                    source,
                    index,
                    label,
                    path,
                    line,
                    f"duplicate key (first defined at line {first_line})",
                )
                for path, line, first_line in _duplicates(node, [], set())
            ]
            if found:
                issues += found
                documents.append(None)
                continue
            documents.append(loader.construct_document(node))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        issues.append(
            YamlIssue(
                source,
                index + 1,
                f"document {index + 1}",
                "",
                mark.line + 1 if mark else None,
                f"invalid YAML: {message}",
            )
        )
    except yaml.YAMLError as exc:
        issues.append(
            YamlIssue(source, index + 1, f"document {index + 1}", "", None, f"invalid YAML: {exc}")
        )
    finally:
        loader.dispose()
    if issues:
        raise StrictYamlError(issues)
    return documents


def load_file(path: Path, source: str | None = None) -> list[Any]:
    """The non-empty documents of a YAML file, loaded strictly."""
    return [d for d in load_all(path.read_text(), source or str(path)) if d is not None]
