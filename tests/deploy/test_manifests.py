"""The Kubernetes manifests and the compose file, validated offline (no cluster, no Docker)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from hocvuso.settings import DEFAULT_PORTS, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent


def _setting_names(model: type[BaseModel], prefix: str) -> set[str]:
    """Every environment variable the settings read, nested fields joined with `__`."""
    names = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= _setting_names(kind, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


KNOWN_ENV = _setting_names(Settings, "HOCVUSO_")


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is missing from the test environment: run `make test`"
    return str(path)


def manifests() -> list[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def objects() -> list[dict]:
    return [doc for path in manifests() for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("path", manifests(), ids=lambda p: str(p.relative_to(K8S)))
def test_each_manifest_is_a_valid_kubernetes_object(path: Path) -> None:
    result = subprocess.run(
        [tool("kubernetes-validate"), "--strict", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", sorted(K8S.rglob("kustomization.yaml")), ids=str)
def test_kustomizations_name_files_that_exist(path: Path) -> None:
    spec = yaml.safe_load(path.read_text())
    listed = spec.get("resources", []) + [p["path"] for p in spec.get("patches", [])]
    assert listed, f"{path} lists nothing"
    for entry in listed:
        assert (path.parent / entry).exists(), f"{path}: {entry} does not exist"


def test_every_service_serves_its_port_with_health_probes() -> None:
    deployments = {o["metadata"]["name"]: o for o in objects() if o["kind"] == "Deployment"}
    assert set(deployments) == set(DEFAULT_PORTS)
    for name, port in DEFAULT_PORTS.items():
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["serve", name]
        assert container["ports"][0]["containerPort"] == port
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_only_known_settings_are_configured() -> None:
    names = set()
    for o in objects():
        if o["kind"] == "ConfigMap":
            names |= set(o["data"])
        if o["kind"] == "Deployment":
            for container in o["spec"]["template"]["spec"]["containers"]:
                names |= {e["name"] for e in container.get("env", [])}
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in compose["services"].values():
        names |= set(service.get("environment", {}))
    names = {n for n in names if n.startswith("HOCVUSO_")}
    assert names <= KNOWN_ENV, names - KNOWN_ENV


def test_the_compose_file_is_valid() -> None:
    result = subprocess.run(
        [tool("docker-compose"), "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
