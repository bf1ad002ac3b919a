"""The distributed profile: the DAG on Airflow's CeleryExecutor, with a private PostgreSQL (metadata
database and Celery result backend) and a private Redis (Celery broker), everything on 127.0.0.1.

    python -m pipeline.distributed start [--workers N] [--concurrency C] [--api-port P] ...
    python -m pipeline.distributed status | stop | env
    python -m pipeline.distributed run YEAR [--inbox DIR|URL] [--out DIR]

(``scripts/distributed`` is the wrapper.) Everything lives in one state folder, ``$ROLINDEX_DISTRIBUTED_HOME``
or ``<checkout>/.distributed`` (git-ignored):

    profile.json       ports, number of workers, concurrency (chosen at start)
    secrets.json       fernet key, JWT secret, API secret key, database, Redis and admin passwords (0600)
    postgres/          the PostgreSQL cluster (owned by the ``postgres`` user when started as root)
    redis/             redis.conf (0600) and Redis' working folder
    airflow/           AIRFLOW_HOME: airflow.cfg, task logs, the UI passwords file
    run/<name>.pid     one pid file per process;  logs/<name>.log  its stdout and stderr

Pure functions build the configuration (``Layout``, ``Profile``, ``airflow_environment``,
``component_commands``); the rest starts, checks and stops processes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import secrets as _secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.runner import UI_HOST, free_port, loopback_api_settings
from pipeline.settings import DAGS_DIR, PROJECT_ROOT

DAG_ID = "rule_of_law_index"
HOST = UI_HOST
DB_NAME = "airflow"
DB_USER = "airflow"
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# stopped in this order: no new work first, then the workers finish their tasks (which still talk to
# the api-server), then the api-server, then the services
STOP_STAGES = (("scheduler",), ("worker", "triggerer", "dag-processor"), ("api-server",), ("redis", "postgres"))
STOP_ORDER = tuple(name for stage in STOP_STAGES for name in stage)
EX_UNAVAILABLE = 75  # exit code when PostgreSQL or Redis cannot be installed or started (EX_TEMPFAIL)

Echo = Callable[[str], None]


class ProfileError(RuntimeError):
    """The profile cannot be started, reached or used; the message says why."""


class ServiceUnavailable(ProfileError):
    """PostgreSQL or Redis cannot be installed or started on this machine."""


def _echo(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# configuration (pure)


@dataclass(frozen=True)
class Layout:
    """Where the profile keeps its state: one folder in, every path derived from it."""

    home: Path

    @property
    def profile_file(self) -> Path:
        return self.home / "profile.json"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.json"

    @property
    def pg_data(self) -> Path:
        return self.home / "postgres"

    @property
    def redis_dir(self) -> Path:
        return self.home / "redis"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def passwords_file(self) -> Path:
        return self.airflow_home / "simple_auth_manager_passwords.json.generated"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"


def state_home(path: str | Path | None = None) -> Path:
    """The state folder: ``path``, else ``$ROLINDEX_DISTRIBUTED_HOME``, else ``<checkout>/.distributed``."""
    chosen = Path(path or os.environ.get("ROLINDEX_DISTRIBUTED_HOME") or PROJECT_ROOT / ".distributed").expanduser()
    return (Path(os.environ.get("ROLINDEX_CALLER_CWD") or Path.cwd()) / chosen).resolve()


@dataclass(frozen=True)
class Profile:
    """Ports and sizes of one profile (saved in ``profile.json``)."""

    api_port: int
    postgres_port: int
    redis_port: int
    workers: int = 2
    concurrency: int = 1

    @property
    def parallelism(self) -> int:
        """Task slots the scheduler hands out: exactly what the workers can take."""
        return self.workers * self.concurrency

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"


def default_concurrency(workers: int, cores: int | None = None) -> int:
    """Task processes per worker so that all workers together use about one process per core."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def new_secrets() -> dict[str, str]:
    """Fresh secrets: Airflow's fernet key, JWT secret and API secret key, DB/Redis/admin passwords."""
    from cryptography.fernet import Fernet

    return {
        "fernet_key": Fernet.generate_key().decode(),
        "jwt_secret": _secrets.token_urlsafe(48),
        "api_secret_key": _secrets.token_urlsafe(48),
        "db_password": _secrets.token_hex(24),
        "redis_password": _secrets.token_hex(24),
        "admin_password": _secrets.token_urlsafe(18),
    }


def database_url(profile: Profile, secrets: dict[str, str], scheme: str = "postgresql+psycopg2") -> str:
    """SQLAlchemy URL of the metadata database."""
    return f"{scheme}://{DB_USER}:{secrets['db_password']}@{HOST}:{profile.postgres_port}/{DB_NAME}"


def broker_url(profile: Profile, secrets: dict[str, str]) -> str:
    """Celery broker URL of the private Redis."""
    return f"redis://:{secrets['redis_password']}@{HOST}:{profile.redis_port}/0"


def airflow_environment(layout: Layout, profile: Profile, secrets: dict[str, str],
                        base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every Airflow process of the profile: ``base`` (default: this process's
    environment, so ``ROLINDEX_*`` settings reach the workers) plus CeleryExecutor, PostgreSQL, Redis,
    the api-server on 127.0.0.1 with authentication on (``pipeline.runner.loopback_api_settings``), and
    the shared secrets."""
    env = dict(os.environ if base is None else base)
    env.pop("AIRFLOW_CONFIG", None)
    env.update({
        "AIRFLOW_HOME": str(layout.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(profile.parallelism),
        "AIRFLOW__CORE__FERNET_KEY": secrets["fernet_key"],
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url(profile, secrets),
        "AIRFLOW__CELERY__BROKER_URL": broker_url(profile, secrets),
        "AIRFLOW__CELERY__RESULT_BACKEND": database_url(profile, secrets, "db+postgresql"),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(profile.concurrency),
        **loopback_api_settings(profile.api_port, layout.passwords_file, env.get("ROLINDEX_UI_USERS", "admin:admin")),
        "AIRFLOW__API__SECRET_KEY": secrets["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets["jwt_secret"],
        "GX_ANALYTICS_ENABLED": env.get("GX_ANALYTICS_ENABLED", "False"),
    })
    return env


def worker_name(index: int) -> str:
    return f"worker-{index}"


def component_commands(profile: Profile, python: str = sys.executable) -> dict[str, list[str]]:
    """The command line of every Airflow process (api-server, scheduler, dag-processor, triggerer and
    ``worker-1..N``). Log servers are off: every process shares one AIRFLOW_HOME, so the api-server
    reads task logs from disk and nothing listens beyond 127.0.0.1."""
    airflow = [python, "-m", "airflow"]
    commands = {
        "api-server": [*airflow, "api-server", "--host", HOST, "--port", str(profile.api_port)],
        "scheduler": [*airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [*airflow, "dag-processor"],
        "triggerer": [*airflow, "triggerer", "--skip-serve-logs"],
    }
    host = socket.gethostname()
    for index in range(1, profile.workers + 1):
        commands[worker_name(index)] = [
            *airflow, "celery", "worker", "--concurrency", str(profile.concurrency),
            "--celery-hostname", f"rolindex-worker{index}@{host}", "--skip-serve-logs"]
    return commands


def postgres_settings() -> str:
    """Lines appended to ``postgresql.conf`` at initdb: TCP on 127.0.0.1 only, no Unix socket."""
    return ("\n# rolindex distributed profile\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
            "max_connections = 200\n")


def redis_config(layout: Layout, profile: Profile, secrets: dict[str, str]) -> str:
    """``redis.conf`` of the broker: loopback only, password, no persistence."""
    return (f"bind {HOST}\nport {profile.redis_port}\nprotected-mode yes\nrequirepass {secrets['redis_password']}\n"
            f"dir {layout.redis_dir}\nsave \"\"\nappendonly no\ndaemonize no\n")


def shell_exports(env: dict[str, str], prefixes: Iterable[str] = ("AIRFLOW", "ROLINDEX", "GX_")) -> str:
    """``export K=V`` lines for the given prefixes (``eval "$(scripts/distributed env)"``)."""
    import shlex

    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items()) if k.startswith(tuple(prefixes)))


# ---------------------------------------------------------------------------------------------------
# state files


def port_is_free(port: int) -> bool:
    """Can a server bind 127.0.0.1:port (as servers do, with SO_REUSEADDR)?"""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    path.chmod(0o600)


def load_secrets(layout: Layout, create: bool = False) -> dict[str, str]:
    """The profile's secrets from ``secrets.json``; generated (0600) when missing and ``create``."""
    if layout.secrets_file.exists():
        return dict(json.loads(layout.secrets_file.read_text(encoding="utf-8")))
    if not create:
        raise ProfileError(f"no profile in {layout.home} (run: scripts/distributed start)")
    secrets = new_secrets()
    _write_private(layout.secrets_file, json.dumps(secrets, indent=1) + "\n")
    return secrets


def load_profile(layout: Layout) -> Profile:
    if not layout.profile_file.exists():
        raise ProfileError(f"no profile in {layout.home} (run: scripts/distributed start)")
    return Profile(**json.loads(layout.profile_file.read_text(encoding="utf-8")))


def choose_profile(layout: Layout, workers: int | None = None, concurrency: int | None = None,
                   api_port: int | None = None, postgres_port: int | None = None,
                   redis_port: int | None = None) -> Profile:
    """Ports and sizes for a start: given values, else ``ROLINDEX_DISTRIBUTED_*`` variables, else the
    last start's (ports only while still free), else defaults (2 workers, free ports)."""
    previous = asdict(load_profile(layout)) if layout.profile_file.exists() else {}

    def port(name: str, given: int | None) -> int:
        explicit = given or int(os.environ.get(f"ROLINDEX_DISTRIBUTED_{name.upper()}", 0))
        if explicit:
            return explicit
        last = previous.get(name)
        return int(last) if last and port_is_free(int(last)) else free_port()

    n = workers or int(os.environ.get("ROLINDEX_DISTRIBUTED_WORKERS", 0)) or int(previous.get("workers", 2))
    c = concurrency or int(os.environ.get("ROLINDEX_DISTRIBUTED_CONCURRENCY", 0)) or default_concurrency(n)
    return Profile(api_port=port("api_port", api_port), postgres_port=port("postgres_port", postgres_port),
                   redis_port=port("redis_port", redis_port), workers=n, concurrency=c)


# ---------------------------------------------------------------------------------------------------
# processes


def _process(pid: int) -> Any:
    import psutil

    return psutil.Process(pid)


def live_pid(layout: Layout, name: str) -> int | None:
    """The pid in ``run/<name>.pid`` if that process is still alive (and is not a later process that
    reused the number: it must have started before the pid file was written)."""
    import psutil

    path = layout.pid_file(name)
    try:
        pid = int(path.read_text().strip())
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or proc.create_time() > path.stat().st_mtime + 1:
            return None
        return pid
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def spawn(layout: Layout, name: str, argv: list[str], env: dict[str, str], user: str | None = None) -> int:
    """Start ``argv`` in its own session, in the state folder (so its processes can be recognised by
    their working folder), stdout and stderr appended to ``logs/<name>.log``, pid in ``run/<name>.pid``
    (as ``user`` when given, which needs root). Returns the pid."""
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    with layout.log_file(name).open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(argv, env=env, cwd=layout.home, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                user=user, group=user, extra_groups=[] if user else None)
    layout.pid_file(name).write_text(f"{proc.pid}\n")
    return proc.pid


def stop_processes(layout: Layout, names: list[str], timeout: float = 30) -> list[str]:
    """Stop processes together with everything they started: SIGTERM (SIGINT, its fast shutdown, for
    PostgreSQL) to each, then SIGKILL to whatever of their process trees and sessions is left after
    ``timeout`` seconds. Returns the names that were running."""
    import psutil

    families: list[Any] = []
    leaders: list[int] = []
    running = []
    for name in names:
        pid = live_pid(layout, name)
        if pid is None:
            layout.pid_file(name).unlink(missing_ok=True)
            continue
        try:
            leader = psutil.Process(pid)
            families += [leader, *leader.children(recursive=True)]
            leader.send_signal(signal.SIGINT if name == "postgres" else signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
        leaders.append(pid)
        running.append(name)
    alive = _wait_gone(families, timeout)
    _kill_all([*alive, *(p for pid in leaders for p in _session_members(pid) if p not in alive)])
    for name in running:
        layout.pid_file(name).unlink(missing_ok=True)
    return running


def _wait_gone(procs: list[Any], timeout: float) -> list[Any]:
    """Wait until the processes have exited (polling every 0.1 s: they are not our children, and
    psutil's wait for those backs off to seconds). Returns the ones still alive after ``timeout``."""
    import psutil

    def running(proc: Any) -> bool:
        try:
            return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + timeout
    alive = [p for p in procs if running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if running(p)]
    return alive


def _kill_all(procs: list[Any]) -> None:
    """SIGKILL the given processes and wait for them to go."""
    import psutil

    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    _wait_gone(procs, 10)


def _session_members(sid: int) -> list[Any]:
    import psutil

    members = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid and proc.pid != sid:
                members.append(proc)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return members


def leftover_processes(layout: Layout) -> list[Any]:
    """Processes of this profile still alive: PostgreSQL, Redis and Airflow processes (components,
    Celery pool processes, task supervisors and tasks) whose working folder is in the state folder
    (``spawn`` starts them there; their titles and environments may be rewritten), or whose
    AIRFLOW_HOME is the profile's. Used by ``stop`` to leave nothing behind, and by the tests."""
    import psutil

    home, airflow_home = str(layout.home), str(layout.airflow_home)
    me = psutil.Process()
    exclude = {me.pid, *(p.pid for p in me.parents())}  # never this command or the shell that ran it
    found = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        if proc.pid in exclude:
            continue
        try:
            command = " ".join(proc.info["cmdline"] or [])
            kind = proc.info["name"] in ("postgres", "redis-server") or "airflow" in command or "celery" in command
            if not kind or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            cwd = proc.cwd()
            if cwd == home or cwd.startswith(home + os.sep) or proc.environ().get("AIRFLOW_HOME") == airflow_home:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _wait(what: str, check: Callable[[], bool], timeout: float, alive: Callable[[], bool] = lambda: True,
          log: Path | None = None, error: type[ProfileError] = ProfileError) -> None:
    """Poll ``check`` until true; fail when ``alive`` turns false or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not alive():
            raise error(f"{what}: the process exited" + (f"; end of {log}:\n{_tail(log)}" if log else ""))
        time.sleep(0.5)
    raise error(f"{what}: not ready after {timeout:.0f} s" + (f"; end of {log}:\n{_tail(log)}" if log else ""))


# ---------------------------------------------------------------------------------------------------
# PostgreSQL and Redis


def postgres_bindir() -> Path | None:
    """Folder with ``initdb`` and ``postgres``: Debian's newest ``/usr/lib/postgresql/<v>/bin``, else PATH."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                    key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if debian:
        return debian[-1].parent
    found = shutil.which("postgres")
    return Path(found).resolve().parent if found and shutil.which("initdb") else None


def redis_server() -> str | None:
    return shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)


PYTHON_PACKAGES = ("apache-airflow-providers-celery", "psycopg2-binary", "redis")


def check_python_packages() -> None:
    """Fail clearly when the ``distributed`` dependency group is not installed."""
    from importlib import metadata

    missing = []
    for name in PYTHON_PACKAGES:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise ProfileError(f"missing {', '.join(missing)}: install the 'distributed' group (uv sync --locked)")


def ensure_system_packages(echo: Echo = _echo) -> None:
    """Install Debian's ``postgresql`` and ``redis-server`` with apt-get when missing (as root, or
    through passwordless sudo). Raises ``ServiceUnavailable`` when that is not possible."""
    missing = [pkg for pkg, ok in (("postgresql", postgres_bindir()), ("redis-server", redis_server())) if not ok]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise ServiceUnavailable(f"{' and '.join(missing)} missing and no apt-get here; install them yourself")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        raise ServiceUnavailable(f"{' and '.join(missing)} missing; install them (apt-get install {' '.join(missing)})"
                                 " or run this as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    echo(f"rolindex: installing {' '.join(missing)} with apt-get")
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise ServiceUnavailable(f"apt-get install {' '.join(missing)} failed:\n{done.stderr[-2000:]}")
    if not postgres_bindir() or not redis_server():
        raise ServiceUnavailable("postgresql / redis-server still not found after apt-get install")


def _postgres_user() -> str | None:
    """The account PostgreSQL runs as: ``postgres`` when we are root (it refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceUnavailable("running as root, but there is no 'postgres' user to run PostgreSQL as") from None
    return "postgres"


def unreachable_ancestor(path: Path, uid: int, gids: set[int]) -> Path | None:
    """The first folder above ``path`` that user ``uid`` (groups ``gids``) cannot enter, if any."""
    import stat

    for folder in reversed(path.parents):
        st = folder.stat()
        bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid in gids else stat.S_IXOTH
        if uid != 0 and not st.st_mode & bit:
            return folder
    return None


def init_postgres(layout: Layout, secrets: dict[str, str], echo: Echo = _echo) -> None:
    """Create the cluster in ``postgres/`` (once): superuser ``airflow`` with the generated password,
    password (scram) authentication, TCP on 127.0.0.1 only."""
    if (layout.pg_data / "PG_VERSION").exists():
        return
    bindir = postgres_bindir()
    if bindir is None:
        raise ServiceUnavailable("PostgreSQL is not installed")
    user = _postgres_user()
    layout.pg_data.mkdir(parents=True, exist_ok=True, mode=0o700)
    pwfile = layout.home / ".pg-initdb-password"
    _write_private(pwfile, secrets["db_password"] + "\n")
    if user:
        import pwd

        account = pwd.getpwnam(user)
        gids = {account.pw_gid, *os.getgrouplist(user, account.pw_gid)}
        blocked = unreachable_ancestor(layout.pg_data, account.pw_uid, gids)
        if blocked is not None:
            pwfile.unlink()
            raise ServiceUnavailable(f"PostgreSQL runs as user {user!r}, which cannot enter {blocked}; put the state "
                                     "folder (ROLINDEX_DISTRIBUTED_HOME) under a folder it can enter")
        os.chown(layout.pg_data, account.pw_uid, account.pw_gid)
        os.chown(pwfile, account.pw_uid, account.pw_gid)
    echo(f"rolindex: creating the PostgreSQL cluster in {layout.pg_data}")
    done = subprocess.run(
        [str(bindir / "initdb"), "-D", str(layout.pg_data), "-U", DB_USER, "--pwfile", str(pwfile),
         "--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions"],
        capture_output=True, text=True, user=user, group=user, extra_groups=[] if user else None,
        cwd=layout.home)
    pwfile.unlink(missing_ok=True)
    if done.returncode != 0:
        shutil.rmtree(layout.pg_data, ignore_errors=True)
        raise ServiceUnavailable(f"initdb failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    with (layout.pg_data / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(postgres_settings())


def _pg_connect(profile: Profile, secrets: dict[str, str], dbname: str) -> Any:
    import psycopg2

    return psycopg2.connect(host=HOST, port=profile.postgres_port, user=DB_USER, password=secrets["db_password"],
                            dbname=dbname, connect_timeout=3)


def start_postgres(layout: Layout, profile: Profile, secrets: dict[str, str]) -> None:
    """Start PostgreSQL on 127.0.0.1:<postgres_port> and create the ``airflow`` database if missing."""
    bindir = postgres_bindir()
    if bindir is None:
        raise ServiceUnavailable("PostgreSQL is not installed")
    pid = spawn(layout, "postgres", [str(bindir / "postgres"), "-D", str(layout.pg_data),
                                     "-p", str(profile.postgres_port)], dict(os.environ), user=_postgres_user())

    def ready() -> bool:
        try:
            _pg_connect(profile, secrets, "postgres").close()
            return True
        except Exception:
            return False

    _wait("PostgreSQL", ready, 60, alive=lambda: live_pid(layout, "postgres") == pid,
          log=layout.log_file("postgres"), error=ServiceUnavailable)
    conn = _pg_connect(profile, secrets, "postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DB_NAME}" OWNER "{DB_USER}" ENCODING \'UTF8\'')
    finally:
        conn.close()


def start_redis(layout: Layout, profile: Profile, secrets: dict[str, str]) -> None:
    """Start redis-server on 127.0.0.1:<redis_port> with a password and no persistence."""
    server = redis_server()
    if server is None:
        raise ServiceUnavailable("redis-server is not installed")
    conf = layout.redis_dir / "redis.conf"
    layout.redis_dir.mkdir(parents=True, exist_ok=True)
    _write_private(conf, redis_config(layout, profile, secrets))
    pid = spawn(layout, "redis", [server, str(conf)], dict(os.environ))

    def ready() -> bool:
        import redis

        try:
            return bool(redis.Redis(host=HOST, port=profile.redis_port, password=secrets["redis_password"],
                                    socket_timeout=2).ping())
        except Exception:
            return False

    _wait("Redis", ready, 30, alive=lambda: live_pid(layout, "redis") == pid, log=layout.log_file("redis"),
          error=ServiceUnavailable)


# ---------------------------------------------------------------------------------------------------
# the Airflow side


def _http(method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 10) -> Any:
    """One JSON request; returns the decoded answer (raises urllib.error.HTTPError on 4xx/5xx)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def health(profile: Profile) -> dict[str, Any] | None:
    """The api-server's ``/api/v2/monitor/health`` answer, or None when it does not answer."""
    try:
        return dict(_http("GET", f"{profile.api_url}/api/v2/monitor/health", timeout=3))
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def all_healthy(answer: dict[str, Any] | None) -> bool:
    """Metadatabase, scheduler, triggerer and dag-processor all report ``healthy``."""
    if not answer:
        return False
    parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    return all((answer.get(part) or {}).get("status") == "healthy" for part in parts)


def seed_admin_password(layout: Layout, secrets: dict[str, str]) -> None:
    """Give the ``admin`` user the generated password (Airflow keeps passwords already in the file)."""
    layout.airflow_home.mkdir(parents=True, exist_ok=True)
    current = json.loads(layout.passwords_file.read_text(encoding="utf-8")) if layout.passwords_file.exists() else {}
    if "admin" not in current:
        current["admin"] = secrets["admin_password"]
        _write_private(layout.passwords_file, json.dumps(current) + "\n")


def admin_password(layout: Layout) -> str:
    return str(json.loads(layout.passwords_file.read_text(encoding="utf-8"))["admin"])


def migrate(layout: Layout, env: dict[str, str], python: str = sys.executable) -> None:
    """``airflow db migrate`` against the profile's PostgreSQL (idempotent)."""
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    with layout.log_file("migrate").open("ab") as log:
        done = subprocess.run([python, "-m", "airflow", "db", "migrate"], env=env, cwd=layout.home,
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=600)
    if done.returncode != 0:
        raise ProfileError(f"airflow db migrate failed; end of {layout.log_file('migrate')}:\n"
                           f"{_tail(layout.log_file('migrate'))}")


def _worker_ready(layout: Layout, name: str, since: int) -> bool:
    try:
        with layout.log_file(name).open("rb") as fh:
            fh.seek(since)
            return b" ready." in fh.read()
    except FileNotFoundError:
        return False


def process_names(layout: Layout) -> list[str]:
    """Names with a pid file, in stop order."""
    names = [p.stem for p in layout.run_dir.glob("*.pid")] if layout.run_dir.exists() else []
    return sorted(names, key=lambda n: (next((i for i, k in enumerate(STOP_ORDER) if n.startswith(k)),
                                             len(STOP_ORDER)), n))


def start(layout: Layout, profile: Profile, echo: Echo = _echo, timeout: float = 240) -> None:
    """Start PostgreSQL, Redis, migrate, then the Airflow components and ``profile.workers`` Celery
    workers; returns when all report healthy. On any failure everything started is stopped again."""
    running = [n for n in process_names(layout) if live_pid(layout, n)]
    if running:
        raise ProfileError(f"already (partly) running: {', '.join(running)}; run stop first")
    check_python_packages()
    ensure_system_packages(echo)
    layout.home.mkdir(parents=True, exist_ok=True)
    secrets = load_secrets(layout, create=True)
    _write_private(layout.profile_file, json.dumps(asdict(profile), indent=1) + "\n")
    try:
        init_postgres(layout, secrets, echo)
        echo(f"rolindex: PostgreSQL on {HOST}:{profile.postgres_port}, Redis on {HOST}:{profile.redis_port}")
        start_postgres(layout, profile, secrets)
        start_redis(layout, profile, secrets)
        env = airflow_environment(layout, profile, secrets)
        echo("rolindex: migrating the Airflow metadata database")
        migrate(layout, env)
        seed_admin_password(layout, secrets)
        sizes = {name: layout.log_file(name).stat().st_size if layout.log_file(name).exists() else 0
                 for name in component_commands(profile)}
        for name, argv in component_commands(profile).items():
            spawn(layout, name, argv, env)
        echo(f"rolindex: started api-server, scheduler, dag-processor, triggerer and {profile.workers} Celery "
             f"worker(s) x {profile.concurrency} (parallelism {profile.parallelism}); waiting until healthy")
        deadline = time.monotonic() + timeout

        def alive() -> bool:
            dead = [n for n in component_commands(profile) if live_pid(layout, n) is None]
            if dead:
                raise ProfileError(f"{dead[0]} exited; end of {layout.log_file(dead[0])}:\n"
                                   f"{_tail(layout.log_file(dead[0]))}")
            return True

        _wait("Airflow components", lambda: all_healthy(health(profile)), deadline - time.monotonic(), alive)
        for index in range(1, profile.workers + 1):
            name = worker_name(index)
            _wait(f"Celery {name}", functools.partial(_worker_ready, layout, name, sizes[name]),
                  max(1.0, deadline - time.monotonic()), alive, log=layout.log_file(name))
    except BaseException:
        stop(layout, echo=lambda _m: None)
        raise
    echo(f"rolindex: ready. UI {profile.api_url} (user admin, password in {layout.passwords_file}); "
         f"logs in {layout.log_dir}")


def stop(layout: Layout, echo: Echo = _echo) -> list[str]:
    """Stop every process of the profile in stages (pid files; then any leftover of this state
    folder). Returns the names that were running."""
    names = process_names(layout)
    stopped = []
    for stage in STOP_STAGES:
        group = [n for n in names if n.startswith(stage)]
        began = time.monotonic()
        done = stop_processes(layout, group, timeout=60 if "worker" in stage else 30)
        if done:
            echo(f"rolindex: stopped {', '.join(done)} ({time.monotonic() - began:.1f} s)")
        stopped += done
    stopped += stop_processes(layout, process_names(layout))  # anything not in a stage
    strays = leftover_processes(layout)
    _kill_all(strays)
    if strays:
        echo(f"rolindex: killed {len(strays)} leftover process(es)")
    return stopped


def status(layout: Layout, echo: Callable[[str], None] = print) -> int:
    """Print every process and the api-server's health. 0: all running, 1: partly, 3: stopped."""
    if not layout.profile_file.exists():
        echo(f"no profile in {layout.home}")
        return 3
    profile = load_profile(layout)
    names = process_names(layout)
    states = {name: live_pid(layout, name) for name in names}
    echo(f"state folder {layout.home}; api {profile.api_url}, PostgreSQL {HOST}:{profile.postgres_port}, "
         f"Redis {HOST}:{profile.redis_port}; {profile.workers} worker(s) x {profile.concurrency}")
    for name in names:
        pid = states[name]
        echo(f"  {name:<14} {'running, pid ' + str(pid) if pid else 'not running'}   {layout.log_file(name)}")
    answer = health(profile) if any(states.values()) else None
    if answer:
        echo("  health: " + ", ".join(f"{k} {(v or {}).get('status')}" for k, v in answer.items()))
    if states and all(states.values()):
        return 0
    return 1 if any(states.values()) else 3


def _token(profile: Profile, layout: Layout) -> str:
    answer = _http("POST", f"{profile.api_url}/auth/token",
                   {"username": "admin", "password": admin_password(layout)})
    return str(answer["access_token"])


def trigger_and_wait(layout: Layout, year: int, inbox: str = "", out: str = "", timeout: float = 3600,
                     poll: float = 2.0, echo: Callable[[str], None] = print) -> str:
    """Trigger the DAG with conf ``{year, inbox, out}`` through the REST API (as ``admin``), print task
    states as they change, and return the run's final state."""
    profile = load_profile(layout)
    if not all_healthy(health(profile)):
        raise ProfileError(f"the profile in {layout.home} is not running or not healthy (scripts/distributed status)")
    token = _token(profile, layout)
    dag_url = f"{profile.api_url}/api/v2/dags/{DAG_ID}"

    def parsed() -> bool:
        try:
            _http("GET", dag_url, token=token)
            return True
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return False
            raise

    _wait(f"DAG {DAG_ID} to be parsed", parsed, 180)
    _http("PATCH", dag_url, {"is_paused": False}, token=token)
    run = _http("POST", f"{dag_url}/dagRuns", {"logical_date": None,
                                                "conf": {"year": int(year), "inbox": inbox, "out": out}}, token=token)
    run_id = run["dag_run_id"]
    echo(f"triggered {DAG_ID} run {run_id} (year {year})")
    seen: dict[str, tuple[str, int]] = {}
    deadline = time.monotonic() + timeout
    state = str(run.get("state"))
    while time.monotonic() < deadline:
        run_url = f"{dag_url}/dagRuns/{urllib.parse.quote(run_id, safe='')}"
        instances = _http("GET", f"{run_url}/taskInstances", token=token)["task_instances"]
        for ti in sorted(instances, key=lambda t: (t.get("start_date") or "~", t["task_id"])):
            index = ti.get("map_index", -1)
            label = ti["task_id"] if index is None or index < 0 else f"{ti['task_id']}[{index}]"
            now = (str(ti.get("state")), int(ti.get("try_number") or 0))
            if ti.get("state") is not None and seen.get(label) != now:
                seen[label] = now
                where = f" on {ti['hostname']}" if ti.get("hostname") else ""
                echo(f"  {time.strftime('%H:%M:%S')} {label:<16} {now[0]} (try {now[1]}){where}")
        state = str(_http("GET", run_url, token=token)["state"])
        if state in ("success", "failed"):
            break
        time.sleep(poll)
    else:
        raise ProfileError(f"run {run_id} still {state} after {timeout:.0f} s")
    echo(f"run {run_id}: {state}")
    return state


# ---------------------------------------------------------------------------------------------------
# command line


def _absolute(path: str | None) -> str:
    """A path given on the command line, made absolute against the caller's folder (the wrapper
    script changes folder; it passes the original in ``ROLINDEX_CALLER_CWD``). URLs pass unchanged."""
    from pipeline import storage

    if not path:
        return ""
    if storage.is_url(path):
        return path
    return str((Path(os.environ.get("ROLINDEX_CALLER_CWD") or Path.cwd()) / Path(path).expanduser()).resolve())


def main(argv: list[str] | None = None) -> int:
    """Command line: start, stop, status, run, env (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="scripts/distributed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="state folder (default $ROLINDEX_DISTRIBUTED_HOME or <checkout>/.distributed)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="start PostgreSQL, Redis, Airflow and N Celery workers")
    p_start.add_argument("--workers", type=int, help="Celery workers (default 2)")
    p_start.add_argument("--concurrency", type=int, help="task processes per worker (default cores / workers)")
    p_start.add_argument("--api-port", type=int, help="api-server port (default: last one if free, else a free one)")
    p_start.add_argument("--postgres-port", type=int)
    p_start.add_argument("--redis-port", type=int)
    sub.add_parser("stop", help="stop everything")
    sub.add_parser("status", help="show processes and health")
    sub.add_parser("env", help="print shell exports to use the airflow CLI against the profile")
    p_run = sub.add_parser("run", help="run the DAG for one year and wait for it")
    p_run.add_argument("year", type=int)
    p_run.add_argument("--inbox", help="inbox folder or URL (default <ROLINDEX_INBOX_ROOT>/<year> on the workers)")
    p_run.add_argument("--out", help="output data root (default ROLINDEX_DATA_ROOT or outputs/ on the workers)")
    p_run.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    layout = Layout(state_home(args.home))
    try:
        if args.command == "start":
            if any(live_pid(layout, n) for n in process_names(layout)):
                if status(layout, echo=lambda _m: None) == 0:
                    _echo(f"rolindex: already running in {layout.home}")
                    return 0
                raise ProfileError(f"partly running in {layout.home} (scripts/distributed status); run stop first")
            profile = choose_profile(layout, args.workers, args.concurrency, args.api_port, args.postgres_port,
                                     args.redis_port)
            start(layout, profile)
            return 0
        if args.command == "stop":
            if not stop(layout):
                _echo(f"rolindex: nothing running in {layout.home}")
            return 0
        if args.command == "status":
            return status(layout)
        if args.command == "env":
            print(shell_exports(airflow_environment(layout, load_profile(layout), load_secrets(layout))), end="")
            return 0
        state = trigger_and_wait(layout, args.year, _absolute(args.inbox), _absolute(args.out), args.timeout)
        return 0 if state == "success" else 1
    except ServiceUnavailable as error:
        _echo(f"rolindex: PostgreSQL/Redis unavailable: {error}")
        return EX_UNAVAILABLE
    except ProfileError as error:
        _echo(f"rolindex: error: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
