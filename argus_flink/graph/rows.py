"""Frozen dataclasses <-> Flink Rows, with the Flink row type derived from the annotations.

One definition per record (``records.py``) serves the pure code, the tests and the Flink
operators: the field order of the dataclass is the field order of the row type.

Annotation to Flink type: ``str`` STRING, ``int`` BIGINT, ``float`` DOUBLE, ``bool`` BOOLEAN,
a dataclass a nested ROW, ``tuple[X, ...]`` a LIST of X; ``X | None`` is X (every field is
nullable).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any


@cache
def _field_specs(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((field.name, _strip_optional(hints[field.name]))
                 for field in dataclasses.fields(cls))


def _strip_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) != 1:
            raise TypeError(f"only X | None unions map to a Flink type, not {annotation}")
        return members[0]
    return annotation


def _element_type(annotation: Any) -> Any | None:
    """X for ``tuple[X, ...]``, else None."""
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        raise TypeError(f"only tuple[X, ...] maps to a Flink LIST, not {annotation}")
    return None


def flink_type(cls: type):
    """The Flink ROW type of a dataclass (ROW_NAMED, same field names and order)."""
    names = [name for name, _ in _field_specs(cls)]
    return _row_type(cls, tuple(names))


@cache
def _row_type(cls: type, names: tuple[str, ...]):
    from pyflink.common import Types

    return Types.ROW_NAMED(list(names), [_flink(annotation)
                                         for _, annotation in _field_specs(cls)])


def _flink(annotation: Any):
    from pyflink.common import Types

    element = _element_type(annotation)
    if element is not None:
        return Types.LIST(_flink(element))
    if dataclasses.is_dataclass(annotation):
        return flink_type(annotation)
    scalar = {str: Types.STRING, int: Types.LONG, float: Types.DOUBLE, bool: Types.BOOLEAN}
    if annotation in scalar:
        return scalar[annotation]()
    raise TypeError(f"no Flink type for {annotation!r}")


@cache
def _row_class(cls: type):
    from pyflink.common import Row

    return Row(*(name for name, _ in _field_specs(cls)))


def to_row(record: Any):
    """A Flink Row of a record dataclass, nested records and tuples included."""
    if record is None:
        return None
    values = []
    for name, annotation in _field_specs(type(record)):
        value = getattr(record, name)
        element = _element_type(annotation)
        if value is None:
            values.append(None)
        elif element is not None:
            values.append([to_row(v) if dataclasses.is_dataclass(element) else v
                           for v in value])
        elif dataclasses.is_dataclass(annotation):
            values.append(to_row(value))
        else:
            values.append(value)
    return _row_class(type(record))(*values)


def from_row(cls: type, row: Any):
    """The record dataclass ``cls`` of a Flink Row (or any sequence in field order)."""
    if row is None:
        return None
    values = {}
    for (name, annotation), value in zip(_field_specs(cls), row, strict=True):
        element = _element_type(annotation)
        if value is None:
            values[name] = () if element is not None else None
        elif element is not None:
            values[name] = tuple(from_row(element, v) if dataclasses.is_dataclass(element)
                                 else v for v in value)
        elif dataclasses.is_dataclass(annotation):
            values[name] = from_row(annotation, value)
        else:
            values[name] = value
    return cls(**values)
