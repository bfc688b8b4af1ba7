"""Reading a savepoint's _metadata: the header, and operator names for clearer errors."""

from __future__ import annotations

import struct

from argus_flink.ops.metadata import operator_name, parse_header, read_header

OPERATOR_ID = "046170e75662167a096270edeabee506"


def java_utf(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def metadata(checkpoint_id: int, operators: list[tuple[str, str, str]]) -> bytes:
    """Bytes laid out as Flink's MetadataV5 writes them, up to each operator's id."""
    out = struct.pack(">iiq", 0x4960672D, 5, checkpoint_id) + struct.pack(">ii", 0, len(operators))
    for name, uid, operator_id in operators:
        out += java_utf(name) + java_utf(uid) + bytes.fromhex(operator_id)
        out += struct.pack(">ii", 1, 128) + b"\x00" * 24  # parallelism, max, state handles
    return out


def test_the_header_gives_version_and_checkpoint_id():
    header = parse_header(metadata(26, []))
    assert (header.version, header.checkpoint_id) == (5, 26)


def test_anything_else_is_not_a_savepoint(tmp_path):
    assert parse_header(b"PK\x03\x04 not flink at all") is None
    assert parse_header(b"\x49\x60") is None
    assert read_header(tmp_path) is None


def test_operator_names_are_found_by_id_with_or_without_a_uid():
    data = metadata(6, [("LocalWindowAggregate[8]", "", "9b00c5f84d218c7f7e570cb661bce97c"),
                        ("WindowDeduplicate[6]", "dedupe-uid", OPERATOR_ID)])
    assert operator_name(data, OPERATOR_ID) == "WindowDeduplicate[6]"
    assert operator_name(data, "9b00c5f84d218c7f7e570cb661bce97c") == "LocalWindowAggregate[8]"


def test_an_id_that_is_not_there_has_no_name():
    data = metadata(6, [("Calc[2]", "", "9b00c5f84d218c7f7e570cb661bce97c")])
    assert operator_name(data, OPERATOR_ID) is None
    assert operator_name(data, "not hex") is None
