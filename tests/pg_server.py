"""A throwaway PostgreSQL server for the tests and the scale benchmark.

`initdb` in a temporary folder (as the `postgres` user when we are root: PostgreSQL refuses
to run as root), a server on a free loopback port with password authentication, and
`stop()` removes it all. Uses the machine's server binaries (Debian: /usr/lib/postgresql/N/bin;
`.ci/run` installs them when missing; PG_BINDIR overrides).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from procs import process_tree

SUPERUSER = "postgres"
PASSWORD = "throwaway-test-password"


def find_bindir() -> Path | None:
    """The newest installed server's bin folder, or None."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit()
                     else 0)
        return Path(newest).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """A port free now, below the ones the kernel hands out for outgoing connections: the test
    servers bind it a moment later, and with the tests in two processes (pytest-xdist) the other
    one's connections could take a port from that range in between."""
    try:
        outgoing = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        outgoing = 32768
    for _ in range(200):
        port = random.randrange(20000, max(outgoing, 20001))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:   # every try taken: any free port
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One cluster: `start()`, `url` (with the password), `stop()`."""

    def __init__(self, bindir: Path | None = None):
        self.bindir = bindir or find_bindir()
        if self.bindir is None or not (self.bindir / "initdb").exists():
            raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql, or set "
                                    "PG_BINDIR)")
        self.folder = Path(tempfile.mkdtemp(prefix="biglisten-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)

    def _run(self, *args: str, timeout: float = 120, password: bool = False) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if password:   # a client tool (pg_basebackup) connecting to the server
            cmd = ["env", f"PGPASSWORD={PASSWORD}", *cmd]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True,
                              cwd=self.folder, stdin=subprocess.DEVNULL)

    def start(self) -> PostgresServer:
        pwfile = self.folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile), "--auth",
                  "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync")
        pwfile.unlink()
        self.port = free_port()
        self._options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
                         "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.start_again()
        return self

    def standby(self) -> PostgresServer:
        """A hot standby of this server (pg_basebackup -R), started on a port of its own: a
        server in recovery, as a URL may lead to after a failover. It answers reads and refuses
        every write. `stop()` it like any other."""
        replica = PostgresServer(self.bindir)
        self._run("pg_basebackup", "-D", str(replica.data), "-R", "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", SUPERUSER, "-c", "fast", "-X", "stream", password=True)
        replica.port = free_port()
        replica._options = self._options.replace(f"-p {self.port} ", f"-p {replica.port} ").replace(
            f"-k {self.folder} ", f"-k {replica.folder} ")
        replica.start_again()
        return replica

    def _ctl(self, action: str, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", self._options,
                  *args, "-w", "-t", "60", action)

    def restart(self) -> None:
        """Stop (dropping every connection) and start again on the same port and data."""
        self._ctl("restart", "-m", "fast")

    def shut_down(self) -> None:
        """Stop the server (fast: every connection dropped), keeping its data; `start_again()` brings it back."""
        self._ctl("stop", "-m", "fast")

    def start_again(self) -> None:
        """Start the server on its data and port; returns once it accepts connections."""
        self._ctl("start")

    @property
    def postmaster_pid(self) -> int:
        """The server's main process (its children are the backends, checkpointer, ...)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def freeze(self) -> None:
        """SIGSTOP to the postmaster and its children: a hung server (or a partition), where
        nothing answers and nothing is refused, so no client-side timeout of the driver fires."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        for pid in process_tree(self.postmaster_pid):   # one that has exited meanwhile (a reaped backend): no matter
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.folder / "server.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
