"""A throwaway PostgreSQL 15 server for the JDBC tests, examples' smoke tests and the bench: initdb in a temp dir
owned by the `postgres` user (the server refuses to run as root), started on a free loopback port, with a database
and a password user (so a wrong password fails), stopped and removed after."""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile

PG_BIN = "/usr/lib/postgresql/15/bin"
USER = "ember"
PASSWORD = "ember-secret"
DATABASE = "emberdb"


def available() -> bool:
    return os.path.exists(os.path.join(PG_BIN, "initdb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args, **kw):
    cmd = list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Server:
    def __init__(self, port: int, data_dir: str):
        self.port = port
        self.data_dir = data_dir
        self.url = f"jdbc:postgresql://127.0.0.1:{port}/{DATABASE}"
        self.properties = {"user": USER, "password": PASSWORD}

    def sql(self, statement: str) -> str:
        """Run `statement` with psql as the test user; its output (unaligned, tuples only)."""
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        out = subprocess.run(
            [os.path.join(PG_BIN, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", DATABASE,
             "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
            check=True, capture_output=True, text=True, env=env)
        return out.stdout


@contextlib.contextmanager
def running():
    """Start a server; yields a `Server`."""
    root = tempfile.mkdtemp(prefix="ember-pg-")
    data = os.path.join(root, "data")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o755)
    port = _free_port()
    _as_postgres([os.path.join(PG_BIN, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
    # Password auth over TCP, so a wrong password is refused; trust on the socket for the set-up below.
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    _as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-l", os.path.join(data, "server.log"),
                  "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "start"])
    try:
        psql = [os.path.join(PG_BIN, "psql"), "-h", data, "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                "-qc"]
        _as_postgres(psql + [f"CREATE USER {USER} WITH PASSWORD '{PASSWORD}'"])
        _as_postgres(psql + [f"CREATE DATABASE {DATABASE} OWNER {USER}"])
        yield Server(port, data)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres([os.path.join(PG_BIN, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)
