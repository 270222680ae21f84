"""The fast tier: every test that starts a process or a server is marked ``process`` or
``server``, without anyone having to remember, and ``make test-fast`` leaves them out.

Two halves (hooked in by ``conftest.py``):

- **Marking, at collection.** A test is marked from the code it can reach: its own
  function, every fixture it uses, and, followed by name, the functions and classes of
  this project (``tests/``, ``archive_spider/``, ``benchmarks/``) that these refer to.
  Reaching a process starter (``subprocess``, ``multiprocessing``, a process pool) marks
  it ``process``; reaching a server (a ``socketserver`` server, ``asyncio.start_server``)
  marks it ``server``. Names are matched, not run, so the marks can be too many (a helper
  that only starts a process on one branch) but are meant never to be too few.
- **A guard, at run time.** While a test sets up and runs, starting a process (any
  ``subprocess.Popen``, any ``multiprocessing`` process or fork server) or listening on a
  socket is
  recorded; a test that did so without its mark fails, saying which mark it lacks. So a
  test the marking misses (a starter reached only through ``getattr``, say) cannot slip
  into the fast tier unnoticed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import multiprocessing.forkserver
import multiprocessing.process
import socket
import socketserver
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = tuple(str(ROOT / name) + "/" for name in ("tests", "archive_spider", "benchmarks"))
MARKS = ("process", "server")

PROCESS_FUNCTIONS = {subprocess.run, subprocess.call, subprocess.check_call, subprocess.check_output,
                     subprocess.getoutput, subprocess.getstatusoutput,
                     asyncio.create_subprocess_exec, asyncio.create_subprocess_shell}
PROCESS_CLASSES = (subprocess.Popen, multiprocessing.process.BaseProcess, concurrent.futures.ProcessPoolExecutor)
SERVER_FUNCTIONS = {asyncio.start_server, asyncio.start_unix_server}
SERVER_CLASSES = (socketserver.BaseServer,)
# A method of these names called on anything: a socket made to listen by hand, an event loop's
# or Twisted's server.
SERVER_METHODS = {"listen", "create_server", "listenTCP"}
try:  # Playwright starts its driver (and the browser) as processes
    from playwright.async_api import async_playwright
    from playwright.sync_api import sync_playwright

    PROCESS_FUNCTIONS |= {async_playwright, sync_playwright}
except ImportError:  # pragma: no cover - the test extra brings it
    pass


def _in_project(obj) -> bool:
    code = getattr(obj, "__code__", None)
    return code is not None and code.co_filename.startswith(PROJECT_DIRS)


def _functions_of(obj) -> list[types.FunctionType]:
    """The project functions behind ``obj``: itself, or a project class's methods (and its
    project base classes')."""
    if inspect.isclass(obj):
        found = []
        for klass in obj.__mro__:
            for value in vars(klass).values():
                value = getattr(value, "__func__", getattr(value, "fget", value))
                if isinstance(value, types.FunctionType) and _in_project(value):
                    found.append(value)
        return found
    obj = getattr(obj, "callback", None) or obj  # a click command: its function
    obj = inspect.unwrap(getattr(obj, "__func__", obj))
    return [obj] if isinstance(obj, types.FunctionType) and _in_project(obj) else []


def _direct(obj) -> set[str]:
    """The marks ``obj`` itself calls for (a starter), with no following."""
    try:
        if obj in PROCESS_FUNCTIONS or (inspect.isclass(obj) and issubclass(obj, PROCESS_CLASSES)):
            return {"process"}
        if obj in SERVER_FUNCTIONS or (inspect.isclass(obj) and issubclass(obj, SERVER_CLASSES)):
            return {"server"}
    except TypeError:  # unhashable
        pass
    return set()


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """``code`` and the code of the functions, lambdas and comprehensions inside it."""
    return [code] + [inner for const in code.co_consts if isinstance(const, types.CodeType)
                     for inner in _codes(const)]


def _imported(names: set[str], package: str | None) -> list[types.ModuleType]:
    """The modules a function may import inside its body (``from tests.sitekit import
    TestSite``, ``from .conftest import ROOT``): those of its names that are loaded modules."""
    found = [sys.modules.get(name) for name in names]
    if package:
        found += [sys.modules.get(f"{package}.{name}") for name in names]
    return [module for module in found if module is not None]


def _attributes(module: types.ModuleType, names: set[str]) -> list:
    """The attributes of ``module`` with these names (a module's lazy ones too, as
    ``concurrent.futures.ProcessPoolExecutor``)."""
    found = []
    for name in names:
        try:
            found.append(getattr(module, name))
        except Exception:  # noqa: BLE001 - absent, or a lazy import that fails: not a reference
            pass
    return found


class Marker:
    """The project's functions as a graph (a function -> the project functions it refers to),
    each with the starters it refers to itself; a test's marks are those of every function
    it can reach. Built once for the whole collection."""

    def __init__(self) -> None:
        self.direct: dict[types.CodeType, set[str]] = {}
        self.edges: dict[types.CodeType, list[types.CodeType]] = {}

    def add(self, function: types.FunctionType) -> types.CodeType:
        """Add ``function`` and all it reaches to the graph; returns its node."""
        root = function.__code__
        pending = [function]
        while pending:
            function = pending.pop()
            code = function.__code__
            if code in self.direct:
                continue
            names = {name for inner in _codes(code) for name in inner.co_names}
            found = {"server"} if names & SERVER_METHODS else set()
            referred = [function.__globals__[name] for name in names if name in function.__globals__]
            referred += _imported(names, function.__globals__.get("__package__"))
            for module in [obj for obj in referred if isinstance(obj, types.ModuleType)]:
                # module.attribute (or module.submodule.attribute), by the names the code uses
                inside = _attributes(module, names)
                referred += inside + [obj for sub in inside if isinstance(sub, types.ModuleType)
                                      for obj in _attributes(sub, names)]
            # a click group: the commands named in the code (CliRunner().invoke(cli, ["serve", ...]))
            strings = {const for inner in _codes(code) for const in inner.co_consts if isinstance(const, str)}
            referred += [command for obj in referred if isinstance(getattr(obj, "commands", None), dict)
                         for name, command in obj.commands.items() if name in strings]
            inner_functions = []
            for obj in referred:
                if not isinstance(obj, types.ModuleType):
                    found |= _direct(obj)
                    inner_functions += _functions_of(obj)
            self.direct[code] = found
            self.edges[code] = [inner.__code__ for inner in inner_functions]
            pending += inner_functions
        return root

    def reach(self) -> dict[types.CodeType, set[str]]:
        """Each node's marks: its own and those of every node it reaches (to a fixed point)."""
        marks = {code: set(found) for code, found in self.direct.items()}
        changed = True
        while changed:
            changed = False
            for code, targets in self.edges.items():
                before = len(marks[code])
                for target in targets:
                    marks[code] |= marks[target]
                changed |= len(marks[code]) != before
        return marks


def item_functions(item) -> list[types.FunctionType]:
    """The test's function and the functions of every fixture it uses."""
    functions = _functions_of(getattr(item, "obj", None))
    fixtureinfo = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in (fixtureinfo.name2fixturedefs.get(name, ()) if fixtureinfo else ()):
            functions += _functions_of(fixturedef.func)
    return functions


def mark_items(items) -> None:
    marker = Marker()
    roots = {item: [marker.add(function) for function in item_functions(item)] for item in items}
    marks = marker.reach()
    for item, codes in roots.items():
        for mark in sorted(set().union(*(marks[code] for code in codes))):
            item.add_marker(mark)


# --- the guard --------------------------------------------------------------------------

_current: list = []  # the test setting up or running: [item], or []


def _started(mark: str, what: str) -> None:
    if _current:
        item = _current[0]
        if item.get_closest_marker(mark) is None:
            item.stash.setdefault(_UNMARKED, []).append(f"{what} (mark it `{mark}`)")


_UNMARKED = pytest.StashKey[list]()


def install_guard() -> None:
    """Record processes started and sockets listened on, per test (once per session)."""
    execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]
    process_start = multiprocessing.process.BaseProcess.start
    listen = socket.socket.listen
    forkserver_running = multiprocessing.forkserver.ForkServer.ensure_running
    in_forkserver_start: list[bool] = []

    def guarded_execute_child(self, args, *rest, **kwargs):
        _started("process", f"started a process: {args!r}"[:200])
        return execute_child(self, args, *rest, **kwargs)

    def guarded_process_start(self):
        _started("process", f"started a multiprocessing process: {self.name}")
        return process_start(self)

    def guarded_listen(self, *args):
        if not in_forkserver_start:  # the fork server's own socket is part of starting a process
            _started("server", f"listened on {self.getsockname()!r}")
        return listen(self, *args)

    def guarded_forkserver_running(self):
        before = getattr(self, "_forkserver_pid", None)
        in_forkserver_start.append(True)
        try:
            return forkserver_running(self)
        finally:
            in_forkserver_start.clear()
            if getattr(self, "_forkserver_pid", None) != before:
                _started("process", "started the multiprocessing fork server")

    subprocess.Popen._execute_child = guarded_execute_child  # type: ignore[attr-defined]
    multiprocessing.process.BaseProcess.start = guarded_process_start  # type: ignore[method-assign]
    socket.socket.listen = guarded_listen  # type: ignore[method-assign]
    multiprocessing.forkserver.ForkServer.ensure_running = guarded_forkserver_running  # type: ignore[method-assign]


def guarded_phase(item):
    """Wrap a test's setup or call phase (a hook wrapper's body): what it starts is its."""
    _current[:] = [item]
    try:
        return (yield)
    finally:
        _current.clear()


def fail_unmarked(item, call, report) -> None:
    unmarked = item.stash.get(_UNMARKED, None)
    if unmarked and report.when in ("setup", "call") and report.passed:
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} is not marked for what it started, so the fast tier would run it:\n  "
                           + "\n  ".join(dict.fromkeys(unmarked))
                           + "\nAdd the mark (pytest.mark.process / pytest.mark.server), or reach the starter "
                             "through a fixture or helper that tests/tiers.py can follow.")
        item.stash[_UNMARKED] = []
