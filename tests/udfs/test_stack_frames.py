"""Top frames of Python, pytest, Java, V8 and Gecko stack traces."""

from __future__ import annotations

from udfs.stack_frames import top_frames

PYTHON_CHAINED = """\
Traceback (most recent call last):
  File "/app/shop/db.py", line 10, in connect
    return pool.get()
TimeoutError: pool exhausted

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/home/runner/work/shop/shop/tests/test_orders.py", line 41, in test_create
    api.create(order)
  File "/home/runner/work/shop/shop/shop/api.py", line 88, in create
    conn = db.connect()
  File "/home/runner/work/shop/shop/.venv/lib/python3.11/site-packages/_pytest/python.py", line 1, in x
    pass
RuntimeError: database unavailable
"""

PYTEST_LONG = """\
tests/test_orders.py:41: in test_create
    api.create(order)
shop/api.py:88: in create
    raise ValueError("bad order")
E   ValueError: bad order
"""

JAVA_CAUSED_BY = """\
java.lang.IllegalStateException: failed to load order
\tat com.acme.order.OrderService.load(OrderService.java:52)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat com.acme.order.OrderServiceTest.loads(OrderServiceTest.java:20)
Caused by: java.io.IOException: disk full
\tat com.acme.io.Disk.write(Disk.java:9)
\t... 3 more
"""

V8 = """\
TypeError: Cannot read properties of undefined (reading 'id')
    at CartService.addItem (/app/src/services/cart.ts:88:31)
    at async Context.<anonymous> (file:///app/test/cart.spec.ts:41:17)
    at /app/test/helpers.ts:3:1
    at processTicksAndRejections (node:internal/process/task_queues:95:5)
"""

GECKO = """\
addItem@https://shop.example/assets/cart.js:88:31
@https://shop.example/assets/main.js:1:2
"""


def test_python_takes_the_last_traceback_innermost_first_without_test_runner_frames():
    assert top_frames(PYTHON_CHAINED, 5) == ["create (shop/api.py)",
                                            "test_create (tests/test_orders.py)"]


def test_pytest_long_format():
    assert top_frames(PYTEST_LONG, 5) == ["create (shop/api.py)",
                                         "test_create (tests/test_orders.py)"]


def test_java_stops_at_caused_by_and_skips_reflection():
    assert top_frames(JAVA_CAUSED_BY, 5) == [
        "com.acme.order.OrderService.load (OrderService.java)",
        "com.acme.order.OrderServiceTest.loads (OrderServiceTest.java)",
    ]


def test_v8_frames_with_and_without_function_names():
    assert top_frames(V8, 5) == [
        "CartService.addItem (services/cart.ts)",
        "async Context.<anonymous> (test/cart.spec.ts)",
        "(test/helpers.ts)",
    ]


def test_gecko_frames():
    assert top_frames(GECKO, 5) == ["addItem (assets/cart.js)", "(assets/main.js)"]


def test_limit_and_garbage():
    assert top_frames(V8, 1) == ["CartService.addItem (services/cart.ts)"]
    assert top_frames(V8, 0) == []
    assert top_frames("no frames here", 5) == []
    assert top_frames(None, 5) == []
