"""A busy port stops `up` with a message naming the service and the variable that moves it."""

from __future__ import annotations

import socket

import pytest

from argus_flink.settings import StackSettings
from argus_flink.stack.broker import Broker
from argus_flink.stack.process import PortBusyError


def test_busy_port_names_service_and_variable(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        settings = StackSettings(home=tmp_path, kafka_port=port)
        with pytest.raises(PortBusyError) as err:
            Broker(settings).start(timeout=5)
    message = str(err.value)
    assert "broker" in message and str(port) in message and "ARGUS_KAFKA_PORT" in message
    assert Broker(settings).pids() == []
