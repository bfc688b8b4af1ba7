"""Realistic failure texts: messages and stack traces in Python, Java and JavaScript formats.

A template is a root cause. Its *site* (file, line, selector, field) is fixed per test, so the
same test failing for the same cause repeats the same shape; each occurrence varies only the
parts a fingerprinting job must learn to ignore: memory addresses, ids, ports, timestamps and
temp paths.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from argus_flink.generator.ids import random_hex, random_uuid


class Language(StrEnum):
    PYTHON = "python"
    TYPESCRIPT = "typescript"
    JAVA = "java"


class Role(StrEnum):
    ASSERTION = "assertion"  # a test's own bug, rare and stable
    FLAKY = "flaky"  # timing and selectors: fails now and then on the same commit
    BACKEND = "backend"  # a broken dependency that fails many tests at once
    SERVER = "server"  # what Sentry reports from the application itself


@dataclass(frozen=True, slots=True)
class Site:
    """Where in a codebase a failure happens; fixed per test."""

    root: str  # directory the code runs from: the CI checkout, or /app on a server
    test_file: str  # for server-side errors: the request handler's file
    test_function: str
    test_line: int
    source_file: str
    source_function: str
    source_line: int
    noun: str
    field: str
    selector: str
    expected: str
    package: str


@dataclass(frozen=True, slots=True)
class Failure:
    exception_type: str
    exception_value: str
    stack_trace: str

    @property
    def message(self) -> str:
        return f"{self.exception_type}: {self.exception_value}"


Render = Callable[[Site, random.Random, str], Failure]


@dataclass(frozen=True, slots=True)
class FailureTemplate:
    key: str
    language: Language
    roles: frozenset[Role]
    status: str  # the test status this cause produces: failed or error
    timeout_ms: int | None  # a timeout pins the test's duration near this value
    render: Render


# --- variable parts ------------------------------------------------------------------------


def _address(rng: random.Random) -> str:
    return f"0x7f{rng.getrandbits(40):010x}"


def _port(rng: random.Random) -> int:
    return rng.randrange(32768, 61000)


# --- python --------------------------------------------------------------------------------

_CI_SITE_PACKAGES = "/opt/hostedtoolcache/Python/3.11.9/x64/lib/python3.11/site-packages"


def _py_frame(path: str, line: int, function: str, code: str) -> str:
    return f'  File "{path}", line {line}, in {function}\n    {code}'


def _py_trace(frames: list[str], failure_line: str) -> str:
    return "\n".join(["Traceback (most recent call last):", *frames, failure_line])


def _py_assert_equal(site: Site, rng: random.Random, when: str) -> Failure:
    actual = f"{site.noun[:3]}_{random_hex(rng, 8)}"
    value = f"assert '{actual}' == '{site.expected}'\n  - {site.expected}\n  + {actual}"
    code = f'assert body["{site.field}"] == "{site.expected}"'
    frames = [_py_frame(f"{site.root}/{site.test_file}", site.test_line, site.test_function, code)]
    return Failure("AssertionError", value, _py_trace(frames, f"AssertionError: {value}"))


def _py_assert_object(site: Site, rng: random.Random, when: str) -> Failure:
    klass = site.noun.capitalize()
    value = f"assert <app.models.{klass} object at {_address(rng)}> is None"
    code = f"assert repo.find_{site.noun}({site.field}=stale_id) is None"
    frames = [_py_frame(f"{site.root}/{site.test_file}", site.test_line, site.test_function, code)]
    return Failure("AssertionError", value, _py_trace(frames, f"AssertionError: {value}"))


def _py_file_not_found(site: Site, rng: random.Random, when: str) -> Failure:
    tmp = f"/tmp/pytest-of-runner/pytest-{rng.randrange(1, 400)}/{site.test_function}0"
    value = f"[Errno 2] No such file or directory: '{tmp}/{site.noun}_export.csv'"
    frames = [
        _py_frame(
            f"{site.root}/{site.test_file}",
            site.test_line,
            site.test_function,
            f"rows = read_export(tmp_path / '{site.noun}_export.csv')",
        ),
        _py_frame(
            f"{site.root}/{site.source_file}",
            site.source_line,
            "read_export",
            'with open(path, newline="") as handle:',
        ),
    ]
    return Failure("FileNotFoundError", value, _py_trace(frames, f"FileNotFoundError: {value}"))


def _py_playwright_timeout(site: Site, rng: random.Random, when: str) -> Failure:
    value = (
        "Page.click: Timeout 30000ms exceeded.\nCall log:\n"
        f'  - waiting for locator("[data-testid=\\"{site.selector}\\"]")'
    )
    venv = "/home/runner/.cache/pypoetry/virtualenvs/app-py3.11/lib/python3.11/site-packages"
    frames = [
        _py_frame(
            f"{site.root}/{site.test_file}",
            site.test_line,
            site.test_function,
            f'page.click("[data-testid={site.selector}]")',
        ),
        _py_frame(
            f"{venv}/playwright/sync_api/_generated.py",
            9_902,
            "click",
            "self._sync(",
        ),
        _py_frame(
            f"{venv}/playwright/_impl/_connection.py",
            528,
            "wrap_api_call",
            "raise rewrite_error(error, f\"{parsed_st['apiName']}: {error}\") from None",
        ),
    ]
    kind = "playwright._impl._errors.TimeoutError"
    return Failure(kind, value, _py_trace(frames, f"{kind}: {value}"))


def _py_requests_500(site: Site, rng: random.Random, when: str) -> Failure:
    url = f"http://127.0.0.1:{_port(rng)}/api/v1/{site.noun}s/{random_uuid(rng)}"
    value = f"500 Server Error: Internal Server Error for url: {url}"
    frames = [
        _py_frame(
            f"{site.root}/{site.test_file}",
            site.test_line,
            site.test_function,
            f"created = api.create_{site.noun}(payload)",
        ),
        _py_frame(
            f"{site.root}/{site.source_file}",
            site.source_line,
            f"create_{site.noun}",
            "response.raise_for_status()",
        ),
        _py_frame(
            f"{_CI_SITE_PACKAGES}/requests/models.py",
            1_024,
            "raise_for_status",
            "raise HTTPError(http_error_msg, response=self)",
        ),
    ]
    kind = "requests.exceptions.HTTPError"
    return Failure(kind, value, _py_trace(frames, f"{kind}: {value}"))


def _py_key_error(site: Site, rng: random.Random, when: str) -> Failure:
    value = f"'{site.field}'"
    frames = [
        _py_frame(
            "/app/.venv/lib/python3.11/site-packages/starlette/routing.py",
            74,
            "app",
            "response = await func(request)",
        ),
        _py_frame(
            f"{site.root}/{site.source_file}",
            site.source_line,
            site.source_function,
            f'{site.noun}_id = payload["{site.field}"]',
        ),
    ]
    trace = _py_trace(frames, f"KeyError: {value}")
    return Failure("KeyError", value, f"{trace}\nrequest_id={random_uuid(rng)} at {when}")


# --- typescript / javascript ---------------------------------------------------------------


def _js_frame(where: str, path: str, line: int, column: int) -> str:
    return f"    at {where} ({path}:{line}:{column})"


def _js_type_error(site: Site, rng: random.Random, when: str) -> Failure:
    value = f"Cannot read properties of undefined (reading '{site.field}')"
    stem = site.source_file.rsplit("/", 1)[-1].split(".", 1)[0]
    klass = stem if stem[:1].isupper() else f"{stem.capitalize()}Service"
    lines = [
        f"TypeError: {value}",
        _js_frame(f"{klass}.{site.source_function}", f"{site.root}/{site.source_file}",
                  site.source_line, 31),
        _js_frame("Object.<anonymous>", f"{site.root}/{site.test_file}", site.test_line, 17),
        "    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
    ]
    return Failure("TypeError", value, "\n".join(lines))


def _js_playwright_timeout(site: Site, rng: random.Random, when: str) -> Failure:
    value = (
        "locator.click: Timeout 30000ms exceeded.\nCall log:\n"
        f"  - waiting for getByTestId('{site.selector}')"
    )
    lines = [
        f"TimeoutError: {value}",
        f"    at {site.root}/{site.test_file}:{site.test_line}:{rng.choice((9, 13, 21))}",
    ]
    return Failure("TimeoutError", value, "\n".join(lines))


def _js_selector_not_found(site: Site, rng: random.Random, when: str) -> Failure:
    locator = f"locator('[data-testid=\"{site.selector}-{rng.randrange(1000, 99999)}\"]')"
    value = (
        "expect(locator).toBeVisible() failed\n\n"
        f"Locator: {locator}\nExpected: visible\nReceived: <element(s) not found>\nTimeout: 5000ms"
    )
    lines = [
        f"Error: {value}",
        f"    at {site.root}/{site.test_file}:{site.test_line}:{rng.choice((30, 45))}",
    ]
    return Failure("Error", value, "\n".join(lines))


def _js_axios_500(site: Site, rng: random.Random, when: str) -> Failure:
    value = "Request failed with status code 500"
    modules = f"{site.root}/node_modules/axios/lib"
    api = f"{site.noun.capitalize()}Api"
    lines = [
        f"AxiosError: {value}",
        _js_frame("settle", f"{modules}/core/settle.js", 19, 12),
        _js_frame("IncomingMessage.handleStreamEnd", f"{modules}/adapters/http.js", 599, 11),
        _js_frame("Axios.request", f"{modules}/core/Axios.js", 45, 41),
        _js_frame(f"async {api}.create", f"{site.root}/{site.source_file}", site.source_line, 22),
        _js_frame("async Context.<anonymous>", f"{site.root}/{site.test_file}", site.test_line, 5),
        f"  config.url: 'http://localhost:{_port(rng)}/api/{site.noun}s/{random_uuid(rng)}'",
    ]
    return Failure("AxiosError", value, "\n".join(lines))


# --- java ----------------------------------------------------------------------------------


def _java_class(site: Site, suffix: str) -> str:
    return f"com.{site.package}.{site.noun}.{site.noun.capitalize()}{suffix}"


_JUNIT_FRAMES = (
    "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke"
    "(DirectMethodHandleAccessor.java:103)\n"
    "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)\n"
    "\tat org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:728)\n"
    "\tat org.junit.jupiter.engine.execution.MethodInvocation.proceed(MethodInvocation.java:60)"
)


_SERVLET_FRAMES = (
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)\n"
    "\tat jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)"
)


def _java_caller_frames(site: Site) -> str:
    """The test method (under JUnit) or the request handler (under Spring) that called in."""
    simple = site.test_file.rsplit("/", 1)[-1].removesuffix(".java")
    klass = f"com.{site.package}.{site.noun}.{simple}"
    frame = f"\tat {klass}.{site.test_function}({simple}.java:{site.test_line})"
    runner = _JUNIT_FRAMES if simple.endswith("Test") else _SERVLET_FRAMES
    return f"{frame}\n{runner}"


def _java_npe(site: Site, rng: random.Random, when: str) -> Failure:
    entity = _java_class(site, "")
    service = _java_class(site, "Service")
    getter = f"get{site.field[:1].upper()}{site.field[1:]}"
    value = f'Cannot invoke "{entity}.{getter}()" because "{site.noun}" is null'
    service_file = f"{service.rsplit('.', 1)[1]}.java"
    lines = [
        f"java.lang.NullPointerException: {value}",
        f"\tat {service}.{site.source_function}({service_file}:{site.source_line})",
        _java_caller_frames(site),
    ]
    return Failure("java.lang.NullPointerException", value, "\n".join(lines))


def _java_assertion(site: Site, rng: random.Random, when: str) -> Failure:
    actual = f"{site.expected}-{rng.randrange(100, 100000)}"
    value = f"expected: <{site.expected}> but was: <{actual}>"
    lines = [
        f"org.opentest4j.AssertionFailedError: {value}",
        "\tat org.junit.jupiter.api.AssertionFailureBuilder.build"
        "(AssertionFailureBuilder.java:151)",
        "\tat org.junit.jupiter.api.AssertEquals.assertEquals(AssertEquals.java:182)",
        _java_caller_frames(site),
    ]
    return Failure("org.opentest4j.AssertionFailedError", value, "\n".join(lines))


def _java_selenium_timeout(site: Site, rng: random.Random, when: str) -> Failure:
    value = (
        "Expected condition failed: waiting for visibility of element located by "
        f"By.cssSelector: [data-test='{site.selector}'] "
        "(tried for 30 second(s) with 500 milliseconds interval)\n"
        "Build info: version: '4.18.1', revision: 'b1d3319b48'\n"
        f"Session ID: {random_hex(rng, 32)}"
    )
    lines = [
        f"org.openqa.selenium.TimeoutException: {value}",
        "\tat org.openqa.selenium.support.ui.WebDriverWait.timeoutException(WebDriverWait.java:84)",
        "\tat org.openqa.selenium.support.ui.FluentWait.until(FluentWait.java:230)",
        _java_caller_frames(site),
    ]
    return Failure("org.openqa.selenium.TimeoutException", value, "\n".join(lines))


def _java_http_500(site: Site, rng: random.Random, when: str) -> Failure:
    body = (
        f'{{"timestamp":"{when}","status":500,"error":"Internal Server Error",'
        f'"path":"/api/{site.noun}s/{rng.randrange(1, 10**7)}"}}'
    )
    value = f'500 Internal Server Error: "{body}"'
    kind = "org.springframework.web.client.HttpServerErrorException$InternalServerError"
    client = _java_class(site, "Client")
    lines = [
        f"{kind}: {value}",
        "\tat org.springframework.web.client.HttpServerErrorException.create"
        "(HttpServerErrorException.java:102)",
        "\tat org.springframework.web.client.DefaultResponseErrorHandler.handleError"
        "(DefaultResponseErrorHandler.java:186)",
        f"\tat {client}.fetch({client.rsplit('.', 1)[1]}.java:{site.source_line})",
        _java_caller_frames(site),
    ]
    return Failure(kind, value, "\n".join(lines))


# --- registry ------------------------------------------------------------------------------


_PY, _TS, _JAVA = Language.PYTHON, Language.TYPESCRIPT, Language.JAVA
_ASSERT, _FLAKY, _BACKEND, _SERVER = Role.ASSERTION, Role.FLAKY, Role.BACKEND, Role.SERVER

# key, language, roles, test status, timeout (ms) that pins the duration, renderer
_TABLE: tuple[tuple[str, Language, tuple[Role, ...], str, int | None, Render], ...] = (
    ("py-assert-equal", _PY, (_ASSERT,), "failed", None, _py_assert_equal),
    ("py-assert-object", _PY, (_ASSERT,), "failed", None, _py_assert_object),
    ("py-file-not-found", _PY, (_ASSERT,), "error", None, _py_file_not_found),
    ("py-playwright-timeout", _PY, (_FLAKY,), "failed", 30_000, _py_playwright_timeout),
    ("py-requests-500", _PY, (_BACKEND,), "error", None, _py_requests_500),
    ("py-key-error", _PY, (_SERVER,), "error", None, _py_key_error),
    ("js-type-error", _TS, (_ASSERT, _SERVER), "failed", None, _js_type_error),
    ("js-playwright-timeout", _TS, (_FLAKY,), "failed", 30_000, _js_playwright_timeout),
    ("js-selector-not-found", _TS, (_FLAKY, _ASSERT), "failed", 5_000, _js_selector_not_found),
    ("js-axios-500", _TS, (_BACKEND,), "error", None, _js_axios_500),
    ("java-npe", _JAVA, (_ASSERT, _SERVER), "error", None, _java_npe),
    ("java-assertion", _JAVA, (_ASSERT,), "failed", None, _java_assertion),
    ("java-selenium-timeout", _JAVA, (_FLAKY,), "failed", 30_000, _java_selenium_timeout),
    ("java-http-500", _JAVA, (_BACKEND,), "error", None, _java_http_500),
)

TEMPLATES: dict[str, FailureTemplate] = {
    key: FailureTemplate(key, language, frozenset(roles), status, timeout_ms, render)
    for key, language, roles, status, timeout_ms, render in _TABLE
}


def templates_for(language: Language, role: Role) -> tuple[FailureTemplate, ...]:
    return tuple(t for t in TEMPLATES.values() if t.language is language and role in t.roles)
