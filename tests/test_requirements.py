"""requirements.txt (installed by Databricks Apps) and environment.yml (conda users) pin the same packages."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not pinned with =="
            pins[name.lower()] = version
    return pins


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {name.lower(): version for name, _, version in (p.partition("==") for p in pip)}


def test_environment_mirrors_requirements():
    assert _environment() == _requirements()


def test_every_pin_is_installed_at_that_version():
    from importlib.metadata import version

    for name, pinned in _requirements().items():
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"
