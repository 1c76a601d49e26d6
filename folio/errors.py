"""The one error type of the project: a problem an editor can fix, with where it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input, located as precisely as we know it."""

    message: str
    path: Path | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def location(self, root: Path | None = None) -> str:
        if self.path is None:
            return ""
        text = shown_path(self.path, root) if root is not None else str(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    def format(self, root: Path | None = None) -> str:
        where = self.location(root)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" — {self.hint}"
        return text

    def sort_key(self) -> tuple:
        return (str(self.path or ""), self.line or 0, self.column or 0, self.message)


def shown_path(path: Path, base: Path) -> str:
    """``path`` as the editor knows it: relative to ``base`` when it is below it
    (named as it was given, before symlinks are resolved); as given otherwise."""
    for candidate in (path.absolute(), path.resolve()):
        for folder in (base.absolute(), base.resolve()):
            try:
                return candidate.relative_to(folder).as_posix()
            except ValueError:
                continue
    return str(path)


class BuildError(Exception):
    """Raised where a problem is found; carries one or more located problems.

    The command line prints them once, sorted by file, and exits non-zero.
    """

    def __init__(self, *problems: Problem):
        if not problems:
            raise ValueError("BuildError needs at least one problem")
        self.problems = tuple(sorted(set(problems), key=Problem.sort_key))
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self):
        # Errors cross process boundaries when documents render in parallel.
        return (BuildError, self.problems)

    @classmethod
    def at(cls, message: str, path: Path | None = None, line: int | None = None,
           column: int | None = None, hint: str | None = None) -> BuildError:
        return cls(Problem(message, path, line, column, hint))


class ProblemCollector:
    """Gathers problems so one run reports all of them, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, path: Path | None = None, line: int | None = None,
            column: int | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(message, path, line, column, hint))

    def extend(self, error: BuildError) -> None:
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise BuildError(*self.problems)


def os_problem(error: OSError, doing: str | None = None,
               elsewhere: str = "choose another folder with --out",
               path: Path | None = None) -> Problem:
    """What the machine refused, as the editor can act on it: the file named (the
    error's own, or ``path``), the real cause by errno (not a guess that the disk is
    full) and what to do. ``doing``: what failed ("cannot write x.pdf"), put
    before the cause; ``elsewhere``: the way around it."""
    import errno
    import os
    if path is None:
        name = error.filename if error.filename is not None else error.filename2
        if isinstance(name, (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(name))
    causes: dict[int, tuple[str, str]] = {
        errno.ENOSPC: ("the disk is full", f"free some space, or {elsewhere}"),
        errno.EDQUOT: ("the disk quota is used up", f"free some space, or {elsewhere}"),
        errno.EACCES: ("permission denied", f"check its permissions, or {elsewhere}"),
        errno.EPERM: ("not permitted", f"check its permissions, or {elsewhere}"),
        errno.EROFS: ("the file system is read-only", elsewhere),
        errno.ENOTDIR: ("a part of this path is a file, not a folder",
                        f"name a folder, not a file, or {elsewhere}"),
        errno.EISDIR: ("this is a folder, not a file", f"move the folder away, or {elsewhere}"),
        errno.ENOENT: ("no such file or folder", f"check the path, or {elsewhere}"),
        errno.EEXIST: ("a file of that name is in the way", f"move it away, or {elsewhere}"),
        errno.ENAMETOOLONG: ("the name is too long", "choose a shorter path"),
        errno.EIO: ("the disk reported an input/output error",
                    f"check the disk, or {elsewhere}"),
        errno.ELOOP: ("too many symbolic links (a link that points at itself?)",
                      f"fix the link, or {elsewhere}"),
    }
    cause, hint = causes.get(error.errno or -1, (error.strerror or str(error),
                                                 f"check the path and the disk, or {elsewhere}"))
    return Problem(f"{doing}: {cause}" if doing else cause, path, hint=hint)
