"""The files an import reads: those named, and the files of folders named, bounded by the
import's file count (`Limits.files`). Each reader says which files of a folder are its own and
in what order to read them; the walk and the bound are here, once."""

from collections.abc import Callable, Iterable
from pathlib import Path

from ccm.reading.limits import InputError, Limits


def expand_paths(
    paths: Iterable[str | Path], limits: Limits, keep: Callable[[Path], bool]
) -> list[Path]:
    """Each path named, and each file under a folder named that KEEP accepts (in name order),
    as found; more than `limits.files` is an error naming the path that crossed it."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and keep(p))
        else:
            found.append(path)
        if len(found) > limits.files:
            raise InputError(str(raw), f"more than {limits.files:,} files in one import")
    return found
