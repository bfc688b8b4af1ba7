"""The local stack as a whole: start in parallel, stop by pid, report health and jobs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from argus_flink.ops.job_status import checkpoint_fields
from argus_flink.settings import StackSettings
from argus_flink.stack.broker import Broker
from argus_flink.stack.flink import FlinkCluster
from argus_flink.stack.graph import GraphServer
from argus_flink.stack.postgres import Postgres
from argus_flink.stack.service import Health, Service


def services(settings: StackSettings) -> list[Service]:
    return [Broker(settings), Postgres(settings), GraphServer(settings), FlinkCluster(settings)]


def service_named(settings: StackSettings, name: str) -> Service:
    for service in services(settings):
        if service.name == name:
            return service
    names = ", ".join(s.name for s in services(settings))
    raise KeyError(f"unknown service {name!r}; the stack has {names}")


@dataclass(frozen=True)
class UpResult:
    service: str
    started: bool


def up(settings: StackSettings, timeout: float = 180.0) -> list[UpResult]:
    """Start whatever is not running and wait until every service answers a real request."""
    settings.home.mkdir(parents=True, exist_ok=True)
    members = services(settings)
    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        futures = [(s, pool.submit(s.start, timeout)) for s in members]
        errors, results = [], []
        for service, future in futures:
            try:
                results.append(UpResult(service.name, future.result()))
            except Exception as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return results


def down(settings: StackSettings) -> list[str]:
    """Stop the services this stack started (by their pid files), Flink first."""
    stopped = []
    for service in reversed(services(settings)):
        if service.pids():
            stopped.append(service.name)
        service.stop()
    return stopped


def running_jobs(settings: StackSettings) -> list[dict]:
    try:
        response = httpx.get(f"{settings.flink_rest_url}/jobs/overview", timeout=3)
        response.raise_for_status()
    except httpx.HTTPError:
        return []
    jobs = [
        {"id": job["jid"], "name": job["name"], "state": job["state"],
         "start_time": job.get("start-time")}
        for job in response.json().get("jobs", [])
    ]
    for job in jobs:
        # Only a running job has checkpoints worth showing; the others keep the keys, empty.
        job.update(checkpoint_fields(settings.flink_rest_url, job["id"])
                   if job["state"] == "RUNNING" else {"last_checkpoint": None,
                                                      "last_savepoint": None})
    return jobs


def status(settings: StackSettings) -> dict:
    """The stack's endpoints, health and jobs, as in the contract of `status --json`."""
    members = services(settings)
    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        healths: list[Health] = list(pool.map(lambda s: s.health(), members))
    return {
        "kafka_bootstrap": settings.kafka_bootstrap,
        "flink_rest_url": settings.flink_rest_url,
        "flink_web_ui": settings.flink_rest_url,
        "postgres_dsn": settings.postgres_dsn,
        "bolt_uri": settings.bolt_uri,
        "healthy": all(h.healthy for h in healths),
        "services": {
            s.name: {"healthy": h.healthy, "url": s.url(), "detail": h.detail, "pids": s.pids()}
            for s, h in zip(members, healths)
        },
        "jobs": running_jobs(settings),
    }
