"""A bundle's manifest: the SHA-256 of every file, written last, checked first.

``save_bundle`` writes ``manifest.json`` at the top of the bundle once every
other file is in place: the digest of each file, the ``loader_module`` that
``MLmodel`` must name, and, when a key is given (``RTMS_BUNDLE_KEY`` on the
command line), an HMAC-SHA256 of all that, so a bundle from a shared folder
is provably the one that was trained with the key.

:func:`verify_bundle` runs before anything of a bundle is parsed: an extra,
missing or changed file, a symlink, an ``MLmodel`` naming another loader
module, other flavours or ``code`` paths (which MLflow would import), a
``config`` other than the one saved (which MLflow hands to the loader), or a
bad signature is a :class:`BundleError` naming the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from predict.exceptions import PredictError

__all__ = [
    "BundleError",
    "KEY_VARIABLE",
    "LOADER_MODULE",
    "MANIFEST",
    "MODEL_CONFIG",
    "bounded_json",
    "bundle_key",
    "verify_bundle",
    "write_manifest",
]

MANIFEST = "manifest.json"
#: The module ``MLmodel`` must name: the pyfunc loader that unpickles nothing.
LOADER_MODULE = "predict.scoring._pyfunc"
#: The ``python_function.config`` save writes (defaults a server overrides);
#: any other would reach the loader unchecked (``data_root: /``), so is refused.
MODEL_CONFIG: dict[str, Any] = {"allow_raw_paths": True, "data_root": None}
#: Environment variable holding the signing key, read by the command line.
KEY_VARIABLE = "RTMS_BUNDLE_KEY"

#: Files MLflow adds beside a logged bundle (registering writes the model name
#: and version); never loaded by rtms-predict, allowed only small.
MLFLOW_EXTRAS = frozenset({"registered_model_meta"})
_MAX_EXTRA_BYTES = 4096
_MAX_FILES = 10_000
_MAX_JSON_BYTES = 8 << 20
_MAX_MLMODEL_BYTES = 1 << 20


class BundleError(PredictError, ValueError):
    """A bundle is missing, incomplete, altered, or holds what it may not load."""


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = Field(ge=1, le=1)
    loader_module: str = Field(max_length=200)
    files: dict[str, str] = Field(max_length=_MAX_FILES)
    hmac: str | None = Field(default=None, max_length=64)


def bundle_key(key: str | bytes | None = None) -> bytes | None:
    """Return the signing key: ``key``, else ``$RTMS_BUNDLE_KEY``, else ``None``.

    Parameters
    ----------
    key : str, bytes or None, default=None
        An explicit key.

    Returns
    -------
    key : bytes or None
    """
    if key is None:
        key = os.environ.get(KEY_VARIABLE) or None
    if isinstance(key, str):
        key = key.encode()
    return key


def bounded_json(path: Path, limit: int = _MAX_JSON_BYTES) -> Any:
    """Parse a JSON file no larger than ``limit`` bytes, or raise BundleError.

    Too large, not UTF-8 JSON, nested too deep or holding an integer too long
    to convert is refused before (or instead of) building the objects.
    """
    size = path.stat().st_size
    if size > limit:
        raise BundleError(
            f"Bundle file '{path.name}' is {size} bytes: larger than the "
            f"{limit} a bundle writes; it was not written by rtms-predict."
        )
    try:
        return json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        raise BundleError(
            f"Bundle file '{path.name}' is not valid JSON as rtms-predict writes it "
            "(not UTF-8 JSON, nested too deep or a number too long)."
        ) from None


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by relative POSIX name; symlinks refused."""
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            entry = Path(dirpath) / name
            relative = entry.relative_to(root).as_posix()
            if entry.is_symlink():
                raise BundleError(
                    f"Bundle '{root}' holds a symbolic link '{relative}': bundles "
                    "hold regular files only."
                )
        for name in filenames:
            entry = Path(dirpath) / name
            found[entry.relative_to(root).as_posix()] = entry
            if len(found) > _MAX_FILES:
                raise BundleError(f"Bundle '{root}' holds too many files.")
    found.pop(MANIFEST, None)
    for name in MLFLOW_EXTRAS & set(found):
        if found[name].stat().st_size > _MAX_EXTRA_BYTES:
            raise BundleError(f"Bundle '{root}' has an oversized '{name}'.")
        del found[name]
    return found


def _signature(key: bytes, manifest: dict[str, Any]) -> str:
    body = json.dumps(
        {k: v for k, v in manifest.items() if k != "hmac"}, sort_keys=True
    ).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def write_manifest(root: str | Path, key: str | bytes | None = None) -> Path:
    """Write ``manifest.json`` over every other file of a bundle folder.

    Parameters
    ----------
    root : str or path-like
        The bundle (MLflow model) folder, complete.
    key : str, bytes or None, default=None
        Signs the manifest with HMAC-SHA256 when given.

    Returns
    -------
    path : pathlib.Path
        The manifest written.
    """
    root = Path(root)
    manifest: dict[str, Any] = {
        "format": 1,
        "loader_module": LOADER_MODULE,
        "files": {name: _digest(p) for name, p in sorted(_files(root).items())},
    }
    secret = bundle_key(key) if key is not None else None
    if secret is not None:
        manifest["hmac"] = _signature(secret, manifest)
    path = root / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return path


def _check_mlmodel(root: Path) -> None:
    path = root / "MLmodel"
    if path.stat().st_size > _MAX_MLMODEL_BYTES:
        raise BundleError(f"Bundle file 'MLmodel' of '{root}' is too large.")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        raise BundleError(f"Bundle file 'MLmodel' of '{root}' is not YAML.") from None
    flavors = spec.get("flavors") if isinstance(spec, dict) else None
    if not isinstance(flavors, dict) or set(flavors) != {"python_function"}:
        raise BundleError(
            f"Bundle file 'MLmodel' of '{root}' must declare only the "
            "python_function flavour (another flavour could unpickle a file)."
        )
    pyfunc = flavors["python_function"]
    if not isinstance(pyfunc, dict) or pyfunc.get("loader_module") != LOADER_MODULE:
        raise BundleError(
            f"Bundle file 'MLmodel' of '{root}' names another loader_module than "
            f"{LOADER_MODULE}: MLflow would import it. Refusing the bundle."
        )
    if pyfunc.get("code") or pyfunc.get("python_model") or pyfunc.get("model_code"):
        raise BundleError(
            f"Bundle file 'MLmodel' of '{root}' declares code paths or a pickled "
            "python_model, which MLflow would import or unpickle. Refusing the bundle."
        )
    if pyfunc.get("config", MODEL_CONFIG) != MODEL_CONFIG:
        raise BundleError(
            f"Bundle file 'MLmodel' of '{root}' sets python_function.config to "
            f"other values than save writes ({MODEL_CONFIG}): MLflow's loader would "
            "use them (a wider data root). Refusing the bundle."
        )
    if pyfunc.get("data") != "data/bundle":
        raise BundleError(
            f"Bundle file 'MLmodel' of '{root}' must point its data at data/bundle."
        )


def verify_bundle(root: str | Path, key: str | bytes | None = None) -> Path:
    """Check a bundle folder against its manifest before anything is parsed.

    Parameters
    ----------
    root : str or path-like
        The bundle (MLflow model) folder.
    key : str, bytes or None, default=None
        When given, the manifest must carry a valid HMAC made with it.

    Returns
    -------
    root : pathlib.Path

    Raises
    ------
    BundleError
        Naming the file that is extra, missing or changed, a symlink, an
        ``MLmodel`` that names another loader module or code paths, a missing
        or bad signature, or a missing or malformed manifest.
    """
    root = Path(root)
    if not (root / "MLmodel").is_file() or not root.is_dir():
        raise BundleError(
            f"'{root}' is not a model bundle: expected the folder written by "
            "'rtms-predict train' (with MLmodel and manifest.json)."
        )
    if not (root / MANIFEST).is_file() or (root / MANIFEST).is_symlink():
        raise BundleError(
            f"Bundle '{root}' has no {MANIFEST}: it was not written by this "
            "version of rtms-predict (or was edited); retrain it."
        )
    try:
        manifest = _Manifest.model_validate(bounded_json(root / MANIFEST, 4 << 20))
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise BundleError(
            f"Bundle '{root}' has a malformed {MANIFEST} (field '{field}')."
        ) from None
    if manifest.loader_module != LOADER_MODULE:
        raise BundleError(
            f"Bundle '{root}' expects loader_module '{manifest.loader_module}', "
            f"not {LOADER_MODULE}. Refusing the bundle."
        )
    actual = _files(root)
    extra = sorted(set(actual) - set(manifest.files))
    missing = sorted(set(manifest.files) - set(actual))
    if extra or missing:
        what = (
            f"file '{extra[0]}' is not in its manifest"
            if extra
            else f"file '{missing[0]}' of its manifest is missing"
        )
        raise BundleError(f"Bundle '{root}' was altered: {what}. Refusing it.")
    for name in sorted(actual):
        if _digest(actual[name]) != manifest.files[name]:
            raise BundleError(
                f"Bundle '{root}' was altered: file '{name}' does not match its "
                "digest in the manifest. Refusing it."
            )
    secret = bundle_key(key) if key is not None else None
    if secret is not None:
        expected = _signature(secret, manifest.model_dump(exclude_none=True))
        if manifest.hmac is None or not hmac.compare_digest(manifest.hmac, expected):
            raise BundleError(
                f"Bundle '{root}' is not signed with the key in ${KEY_VARIABLE}: "
                "it was not trained with that key, or was altered."
            )
    _check_mlmodel(root)
    return root
