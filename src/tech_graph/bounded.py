"""Work that can be stopped: child processes with a deadline, a memory cap and no way out.

pyoxigraph cannot interrupt a running query, and a Rust allocation failure aborts the
whole process, so work whose size a user or a client chooses runs in a child process
that can be killed. The parent never runs it, so the parent never dies from it.

- `run_command` runs one CLI command in a forked child: its standard output and error come
  back through pipes (so click's CliRunner still sees them), Ctrl-C kills it at once.
- `Pool` serves many requests. A *zygote* is forked from the loaded store before any thread
  starts (forking a threaded process can copy a held lock into the child), cuts itself off
  the network, and forks workers on demand. A worker answers jobs one at a time; at a deadline
  it is killed and a fresh fork takes its place. It writes each answer into an unlinked
  temporary file and hands the open file back over a Unix socket, so big answers never sit in
  the parent's memory and a slow client never holds a worker.

Each child caps its address space (RLIMIT_AS) at its size at start plus the memory budget,
arms a timer that kills it a second after its deadline (the parent kills it at the deadline),
and dies with its parent (PR_SET_PDEATHSIG).

No network: pyoxigraph's SERVICE client ignores HTTP(S)_PROXY/ALL_PROXY (tested: it connects
directly with them set), so the only sound cut is a new, empty network namespace, made with
unshare(2): CLONE_NEWNET as root, CLONE_NEWUSER|CLONE_NEWNET otherwise where the kernel allows
unprivileged user namespaces. `Pool.network_cut` says whether it worked.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import io
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TypeVar

from .errors import TechGraphError
from .limits import Budget, size_text

if TYPE_CHECKING:
    import socket

T = TypeVar("T")

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1
# Rust's allocation-failure message; what follows it on stderr is a backtrace the user never needs.
_RUST_OOM = b"memory allocation of "


class Stopped(TechGraphError):
    """Work stopped at its deadline or memory cap, or interrupted; `reason` says which."""

    exit_code = 1

    def __init__(self, message: str, reason: str, *, exit_code: int | None = None) -> None:
        super().__init__(message, exit_code=exit_code)
        self.reason = reason


def timed_out(what: str, budget: Budget) -> Stopped:
    return Stopped(f"{what} ran longer than {budget.timeout:g} s and was stopped; narrow it (a LIMIT, fewer "
                   "patterns) or raise --timeout / TECH_GRAPH_TIMEOUT", "timeout")


def out_of_memory(what: str, budget: Budget) -> Stopped:
    return Stopped(f"{what} needed more than {size_text(budget.memory)} of memory and was stopped; narrow it "
                   "or raise --max-memory / TECH_GRAPH_MAX_MEMORY", "memory")


def died(what: str, detail: str) -> Stopped:
    return Stopped(f"{what} stopped unexpectedly ({detail})", "crash")


# --- what each child does to itself -------------------------------------------------------------


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def cut_network() -> bool:
    """Move this process into a new network namespace with no usable interface; False if refused."""
    libc = _libc()
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


_cut_here = False  # set in the zygote (and so in its workers) once the network is cut


def network_cut_here() -> bool:
    """Whether this process has no network (a query worker whose zygote cut it)."""
    return _cut_here


def die_with_parent() -> None:
    _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def vm_size() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def cap_memory(budget: int) -> None:
    """Let this process grow by `budget` bytes of address space, no more."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm_size() + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _arm(seconds: float) -> None:
    """Die a second after the deadline even if the parent cannot kill us (SIGALRM's default kills)."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01) + 1.0)


def _quiet_rust() -> None:
    """No backtraces from a Rust abort, nor from faulthandler (pytest turns it on): the parent reports it."""
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()


# --- exceptions across the process boundary ------------------------------------------------------


def pack_error(exc: BaseException) -> tuple[Any, ...]:
    """An exception as plain data: its type, args and picklable attributes (tracebacks stay behind)."""
    state = {}
    for key, value in vars(exc).items():
        with contextlib.suppress(Exception):
            pickle.dumps(value)
            state[key] = value
    try:
        pickle.dumps((type(exc), exc.args))
        return ("error", type(exc), exc.args, state)
    except Exception:
        return ("error", RuntimeError, (f"{type(exc).__name__}: {exc}",), {})


def unpack_error(packed: tuple[Any, ...]) -> BaseException:
    _tag, cls, args, state = packed
    # Not cls(*args): a class whose __init__ builds its message from other values would misread it.
    # The nearest built-in base's __init__ fills what C keeps outside __dict__ (OSError.errno, SyntaxError.msg).
    try:
        exc: BaseException = cls.__new__(cls, *args)  # OSError reads its errno and strerror here
        builtin = next(c for c in cls.__mro__ if c.__module__ == "builtins")
        if not issubclass(builtin, OSError):
            builtin.__init__(exc, *args)  # SyntaxError reads its msg here
    except Exception:
        exc = cls.__new__(cls)
        exc.args = args
    vars(exc).update(state)
    return exc


# --- framed messages over a Unix stream socket, with file descriptors ---------------------------

_HEAD = struct.Struct("!Q")


# socket, tempfile and threading are imported where the server's pool needs them: a CLI command
# (run_command) pays for every module here, at every start.


def send(sock: socket.socket, obj: Any, fds: Sequence[int] = ()) -> None:
    import socket

    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    frame = _HEAD.pack(len(data)) + data
    sent = socket.send_fds(sock, [frame], list(fds)) if fds else 0
    sock.sendall(frame[sent:])


def receive(sock: socket.socket) -> tuple[Any, list[int]]:
    """One message and the descriptors that came with it; EOFError if the other side is gone."""
    import socket

    buf, fds = bytearray(), []
    need, head = _HEAD.size, True
    try:
        while True:
            while len(buf) < need:
                data, new, _flags, _addr = socket.recv_fds(sock, min(need - len(buf), 1 << 20), 4)
                fds += new
                if not data:
                    raise EOFError("the other side closed the socket")
                buf += data
            if not head:
                return pickle.loads(bytes(buf[_HEAD.size:need])), fds
            need += _HEAD.unpack_from(buf)[0]
            head = False
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


# --- one CLI command in a child -----------------------------------------------------------------


class _Relay(io.TextIOWrapper):
    """A text stream over a pipe that reports the terminal-ness of the stream it stands in for."""

    def __init__(self, fd: int, tty: bool) -> None:
        raw = open(fd, "wb", buffering=1 << 16)  # noqa: SIM115 - closed with this wrapper
        super().__init__(raw, encoding="utf-8", errors="replace")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _fd_of(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def threads() -> int:
    """Threads in this process, native ones (RocksDB's) included."""
    return len(os.listdir("/proc/self/task"))


def run_command(work: Callable[[], T], budget: Budget, what: str = "the command") -> T:
    """Run `work` in a forked child under `budget`; its output, result and exceptions come back here.

    Ctrl-C kills the child and raises `Stopped` with exit code 130. The command line is one
    thread when it gets here; a process with more (a test run that opened a disk store or
    started a server) runs `work` in place, unbounded, because a fork would copy their locks
    but not the threads (RocksDB's background threads, for one, and a flush then waits forever).
    """
    if threads() > 1:
        return work()
    out_tty = sys.stdout.isatty()
    relay_out = _fd_of(sys.stdout) != 1  # click's CliRunner (or a caller) replaced sys.stdout
    err_tty = sys.stderr.isatty()
    out_r, out_w = os.pipe() if relay_out else (-1, -1)
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        _command_child(work, budget, out_w if relay_out else None, out_tty, err_w, err_tty, res_w,
                       [fd for fd in (out_r, err_r, res_r) if fd >= 0])
    for fd in (out_w, err_w, res_w):
        if fd >= 0:
            os.close(fd)
    try:
        packed, status, oom = _collect(pid, out_r, err_r, res_r, time.monotonic() + budget.timeout)
    except KeyboardInterrupt:
        _kill(pid)
        raise Stopped("interrupted", "interrupt", exit_code=130) from None
    except TimeoutError:
        _kill(pid)
        raise timed_out(what, budget) from None
    finally:
        for fd in (out_r, err_r, res_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
    if packed is None:
        raise _why_dead(status, oom, what, budget)
    if packed[0] == "ok":
        return packed[1]  # type: ignore[no-any-return]
    if packed[0] == "exit":
        raise SystemExit(packed[1])
    if packed[0] == "memory":
        raise out_of_memory(what, budget)
    raise unpack_error(packed)


def _command_child(work: Callable[[], Any], budget: Budget, out_w: int | None, out_tty: bool, err_w: int,
                   err_tty: bool, res_w: int, parent_fds: list[int]) -> None:
    packed: tuple[Any, ...] = ("memory",)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
        die_with_parent()
        for fd in parent_fds:
            os.close(fd)
        if err_tty:
            os.environ.setdefault("TECH_GRAPH_PROGRESS", "1")  # stderr is a pipe now, but a terminal reads it
        real_stderr = _fd_of(sys.stderr) == 2
        os.dup2(err_w, 2)
        os.close(err_w)
        if not real_stderr:
            sys.stderr = _Relay(os.dup(2), err_tty)
        if out_w is not None:
            sys.stdout = _Relay(out_w, out_tty)
        _quiet_rust()
        cap_memory(budget.memory)
        _arm(budget.timeout)
        try:
            packed = ("ok", work())
        except MemoryError:
            packed = ("memory",)
        except SystemExit as exc:
            packed = ("exit", exc.code)
        except BaseException as exc:
            code = getattr(exc, "exit_code", None)  # click.exceptions.Exit carries its code here
            packed = ("exit", code) if type(exc).__name__ == "Exit" and isinstance(code, int) else pack_error(exc)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BrokenPipeError as exc:
                packed = pack_error(exc)
            except Exception:
                pass
        data = pickle.dumps(packed)
        with open(res_w, "wb") as res:
            res.write(data)
    except BaseException:
        pass
    finally:
        os._exit(0)


def _collect(pid: int, out_r: int, err_r: int, res_r: int, deadline: float) -> tuple[Any, int, bool]:
    """Relay the child's output until it ends; (its packed outcome or None, wait status, saw Rust OOM)."""
    sinks = {res_r: bytearray()}
    open_fds = [fd for fd in (out_r, err_r, res_r) if fd >= 0]
    oom = False
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select(open_fds, [], [], min(left, 0.5))
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                open_fds.remove(fd)
            elif fd == res_r:
                sinks[res_r] += data
            elif fd == out_r:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            elif not oom:
                at = data.find(_RUST_OOM)
                if at >= 0:
                    oom, data = True, data[:at]
                if data:
                    sys.stderr.buffer.write(data)
                    sys.stderr.buffer.flush()
    _, status = os.waitpid(pid, 0)
    raw = bytes(sinks[res_r])
    return (pickle.loads(raw) if raw else None), status, oom


def _why_dead(status: int, oom: bool, what: str, budget: Budget) -> Stopped:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if oom or sig == signal.SIGABRT:
            return out_of_memory(what, budget)
        if sig == signal.SIGALRM:
            return timed_out(what, budget)
        return died(what, f"killed by {signal.Signals(sig).name}")
    if oom:
        return out_of_memory(what, budget)
    return died(what, f"exit status {os.waitstatus_to_exitcode(status)}")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# --- a pool of workers for the server ------------------------------------------------------------


Job = Callable[..., Any]  # job(state, spool, *args) -> a small picklable value


@dataclass
class _Worker:
    pid: int
    pidfd: int
    sock: socket.socket
    err_r: int
    generation: int

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            if self.pidfd >= 0:  # a pidfd cannot hit a reused pid
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        for fd in (self.pidfd, self.err_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.sock.close()


class Pool:
    """Runs jobs in workers forked from a zygote that holds `state` (the loaded store).

    Make it before any thread starts. `run` blocks its calling thread until the job ends,
    is killed at its deadline, or dies; many threads may call it at once (the caller bounds
    how many). A worker that finished a job in time waits for the next one; one that was
    killed, or grew by more than half its budget, is replaced by a fresh fork.
    """

    def __init__(self, state: Any, *, budget: Budget, isolate: bool = True,
                 warm: Callable[[], None] | None = None) -> None:
        import socket
        import threading

        self.budget = budget
        self._ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._lock = threading.Lock()  # one conversation with the zygote at a time
        self._idle: list[_Worker] = []
        self._idle_lock = threading.Lock()
        self._generation = 0  # bumped by `apply`: older workers hold the store as it was
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._ctl.close()
            _zygote(theirs, state, budget, isolate, warm)
        theirs.close()
        self.zygote = pid
        self.network_cut: bool = receive(self._ctl)[0]

    def close(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        self._ctl.close()  # the zygote reads EOF and exits; any busy worker dies with it
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.zygote, 0)

    def _spawn(self, what: str) -> _Worker:
        import socket

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        err_r, err_w = os.pipe()
        try:
            with self._lock:
                generation = self._generation
                try:
                    send(self._ctl, ("spawn",), [theirs.fileno(), err_w])
                    pid = receive(self._ctl)[0]
                except (OSError, EOFError):
                    raise died(what, "the server's query workers are gone; restart the server") from None
        except BaseException:
            ours.close()
            os.close(err_r)
            raise
        finally:
            theirs.close()
            os.close(err_w)
        os.set_blocking(err_r, False)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # Linux before 5.3
            pidfd = -1
        return _Worker(pid, pidfd, ours, err_r, generation)

    def _take(self, what: str) -> _Worker:
        with self._idle_lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.generation == self._generation:
                    return worker
                worker.kill()
        return self._spawn(what)

    def run(self, job: Job, args: tuple[Any, ...], deadline: float, what: str = "the query",
            reuse: bool = True) -> tuple[Any, IO[bytes]]:
        """(job's value, the file it wrote, at its start). Raises the job's exception or `Stopped`.

        `reuse=False` for a job that changes the worker's copy of the state.
        """
        worker = self._take(what)
        keep = False
        try:
            left = deadline - time.monotonic()
            try:
                worker.sock.settimeout(max(left, 0.001))
                send(worker.sock, (job, args, left))
            except TimeoutError:
                raise timed_out(what, self.budget) from None
            except OSError:  # an idle worker that died meanwhile (the kernel's OOM killer): take a fresh one
                worker.kill()
                worker = self._spawn(what)
                worker.sock.settimeout(max(left, 0.001))
                send(worker.sock, (job, args, left))
            try:
                (packed, retire), fds = receive(worker.sock)
            except TimeoutError:
                raise timed_out(what, self.budget) from None
            except (EOFError, OSError):
                raise self._death(worker.err_r, what, deadline) from None
            keep = reuse and not retire
            if packed[0] != "ok":
                for fd in fds:
                    os.close(fd)
                if packed[0] == "memory":
                    keep = False
                    raise out_of_memory(what, self.budget)
                raise unpack_error(packed)
            spool = os.fdopen(fds[0], "rb")
            spool.seek(0)
            return packed[1], spool
        finally:
            if keep:
                with self._idle_lock:
                    self._idle.append(worker)
            else:
                worker.kill()

    def apply(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Run `job(state, *args)` in the zygote itself, so later workers see what it changed.

        Only for work already proven to finish within its budget by a worker's dry run.
        """
        with self._lock:
            send(self._ctl, ("apply", job, args))
            packed = receive(self._ctl)[0]
            self._generation += 1
        if packed[0] != "ok":
            raise unpack_error(packed)

    def _death(self, err_r: int, what: str, deadline: float) -> Stopped:
        try:
            said = os.read(err_r, 1 << 16)
        except OSError:
            said = b""
        if _RUST_OOM in said:
            return out_of_memory(what, self.budget)
        if time.monotonic() >= deadline - 0.05:
            return timed_out(what, self.budget)
        if not said.strip():
            return died(what, "the worker was killed")
        last = said.decode("utf-8", "replace").strip().splitlines()[-1][:200]
        return died(what, last)


def _zygote(ctl: socket.socket, state: Any, budget: Budget, isolate: bool, warm: Callable[[], None] | None) -> None:
    try:
        die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server to handle
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
        _quiet_rust()
        global _cut_here
        cut = _cut_here = cut_network() if isolate else False
        if warm is not None:
            warm()
        send(ctl, cut)
        while True:
            try:
                msg, fds = receive(ctl)
            except (EOFError, OSError):
                break
            if msg[0] == "spawn":
                pid = os.fork()
                if pid == 0:
                    import socket

                    ctl.close()
                    _worker(state, socket.socket(fileno=fds[0]), fds[1], budget)
                for fd in fds:
                    os.close(fd)
                send(ctl, pid)
            elif msg[0] == "apply":
                try:
                    msg[1](state, *msg[2])
                    send(ctl, ("ok",))
                except Exception as exc:
                    send(ctl, pack_error(exc))
    except BaseException:
        pass
    finally:
        os._exit(0)


def _worker(state: Any, sock: socket.socket, err_w: int, budget: Budget) -> None:
    """Answer jobs until the parent hangs up, or until this process has grown too much to be trusted."""
    import tempfile

    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        die_with_parent()
        os.dup2(err_w, 2)
        os.close(err_w)
        start = vm_size()
        cap_memory(budget.memory)
        while True:
            try:
                (job, args, seconds), _ = receive(sock)
            except (EOFError, OSError):
                break
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01) + 1.0)  # SIGALRM's default kills
            packed: tuple[Any, ...] = ("memory",)
            spool = tempfile.TemporaryFile(prefix="tech-graph-")  # noqa: SIM115 - handed to the parent
            try:
                packed = ("ok", job(state, spool, *args))
                spool.flush()
            except MemoryError:
                packed = ("memory",)
            except BaseException as exc:
                packed = pack_error(exc)
            signal.setitimer(signal.ITIMER_REAL, 0)
            retire = vm_size() - start > budget.memory // 2
            send(sock, (packed, retire), [spool.fileno()] if packed[0] == "ok" else [])
            spool.close()
            if retire:
                break
    except BaseException:
        pass
    finally:
        os._exit(0)
