"""Test equipment for the Python suite: the generated `ocrotire` module
and a real ocrotire-server on 127.0.0.1 with a SQLite file in a temporary
directory. `bindings/tests/run` builds both and says where they are."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings/out/python"))

import ocrotire  # noqa: E402

SERVER = os.environ.get("OCROTIRE_SERVER_BIN", str(ROOT / "target/debug/ocrotire-server"))
DISTRICT = "9200"  # Ungheni


class Server:
    """One server process on a free port, administered through its CLI."""

    def __init__(self, directory):
        self.db = str(directory / "server.sqlite3")
        self.process = subprocess.Popen(
            [SERVER, "serve", "--db", self.db, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self._environment(),
        )
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"ocrotire-server did not start: {line!r}")
        self.url = line.split()[-1]

    @staticmethod
    def _environment():
        env = dict(os.environ)
        env.pop("OCROTIRE_DB", None)
        env.pop("OCROTIRE_DATABASE_URL", None)
        return env

    def admin(self, *args):
        done = subprocess.run(
            [SERVER, "admin", "--db", self.db, *args],
            capture_output=True,
            text=True,
            env=self._environment(),
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def user(self, user_id, role):
        self.admin("create-user", "--user-id", user_id, "--role", role, "--district", DISTRICT)

    def code(self, user_id):
        return self.admin("enroll-code", "--user-id", user_id).split()[-1]

    def config(self):
        return ocrotire.SyncServer(url=self.url, timeout_secs=10)

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def keys():
    return ocrotire.InMemoryKeyProvider(os.urandom(32))


@pytest.fixture
def open_caseload(tmp_path, keys):
    """Creates an unlocked caseload for a user in its own directory."""

    def make(user_id, role, pin="482916"):
        directory = tmp_path / user_id
        directory.mkdir()
        user = ocrotire.DeviceUser(user_id=user_id, role=role, district=DISTRICT)
        return ocrotire.Caseload.create(str(directory), pin, user, keys)

    return make
