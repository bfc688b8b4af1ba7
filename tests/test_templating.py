from pathlib import Path

import pytest
import yaml

from argus_flink.flinkconf import dump_flink_conf, overlays, render_flink_conf
from argus_flink.templating import MissingVariableError, render

LOCAL_VARS = {"FLINK_REST_PORT": 8081, "FLINK_RPC_PORT": 6123, "FLINK_SLOTS": 8,
              "STATE_DIR": Path("/state"), "PYTHON": "/venv/bin/python",
              "PROMETHEUS_PORTS": "9249-9259"}


def test_render_substitutes_and_rejects_missing_variables():
    assert render("a ${X} b ${Y}", {"X": 1, "Y": "two"}) == "a 1 b two"
    with pytest.raises(MissingVariableError, match=r"demo.sql: no value for \$\{Y\}"):
        render("${X}${Y}", {"X": 1}, source="demo.sql")


def test_local_flink_conf_overrides_base():
    conf = render_flink_conf("local", LOCAL_VARS)
    assert conf["state.backend.type"] == "rocksdb"
    assert conf["execution.checkpointing.incremental"] == "true"
    assert conf["execution.checkpointing.mode"] == "EXACTLY_ONCE"
    assert conf["execution.checkpointing.dir"] == "file:///state/checkpoints"
    assert conf["rest.port"] == "8081"
    assert conf["metrics.reporter.prom.port"] == "9249-9259"
    assert all(isinstance(v, str) for v in conf.values())
    assert yaml.safe_load(dump_flink_conf(conf)) == conf


def test_unknown_overlay_lists_the_known_ones():
    with pytest.raises(ValueError, match="local"):
        render_flink_conf("staging", LOCAL_VARS)
    assert "local" in overlays()
