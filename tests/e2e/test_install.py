"""`make install` with PREFIX and DESTDIR, into a temp dir (installs the binary under
test through INSTALL_BIN, so nothing is built)."""

import os
import shutil
import stat
import subprocess

import lib


def make_install(destdir, prefix):
    if shutil.which("make") is None:
        raise lib.Skip("no make")
    p = subprocess.run(["make", "-s", "-C", lib.REPO, "install", "DESTDIR=" + destdir,
                        "PREFIX=" + prefix, "INSTALL_BIN=" + lib.check_binary()],
                       capture_output=True, text=True, timeout=lib.timeout(60))
    assert p.returncode == 0, "make install failed:\n%s%s" % (p.stdout, p.stderr)


def test_make_install_destdir_prefix():
    with lib.tempdir() as dest:
        make_install(dest, "/usr")
        root = lambda *p: os.path.join(dest, *p)      # noqa: E731
        for path, mode in (("usr/sbin/nanod", 0o755), ("etc/init.d/nanod", 0o755),
                           ("etc/logrotate.d/nanod", 0o644),
                           ("usr/lib/systemd/system/nanod.service", 0o644),
                           ("usr/share/man/man8/nanod.8", 0o644),
                           ("usr/share/doc/nanod/README.md", 0o644),
                           ("usr/share/doc/nanod/CONFIG.md", 0o644),
                           ("etc/nanod/apps.ini", 0o644), ("etc/nanod/apps/hello.js", 0o644)):
            assert os.path.isfile(root(path)), "not installed: %s" % path
            got = stat.S_IMODE(os.stat(root(path)).st_mode)
            assert got == mode, "%s: mode %o, want %o" % (path, got, mode)
        assert os.path.isdir(root("var/log/nanod"))
        # Last good versions of the apps (issue 16): private, named by the installed config.
        assert stat.S_IMODE(os.stat(root("var/lib/nanod")).st_mode) == 0o700
        # Paths point at PREFIX, not at /usr/local or the staging dir.
        init = open(root("etc/init.d/nanod")).read()
        unit = open(root("usr/lib/systemd/system/nanod.service")).read()
        assert "DAEMON=${DAEMON:-/usr/sbin/nanod}" in init, init
        assert "ExecStart=/usr/sbin/nanod -c ${CONF}" in unit, unit
        for text in (init, unit):
            assert "/usr/local" not in text and dest not in text
        ini = open(root("etc/nanod/apps.ini")).read()
        assert "error_log = /var/log/nanod/error.log" in ini, ini
        assert "state_dir = /var/lib/nanod" in ini, ini
        # The installed binary checks the installed config.
        r = lib.run_cli(["-t", "-c", root("etc/nanod/apps.ini")])
        assert r.rc == 0 and "ok, 1 app" in r.stderr, r
        # A second install keeps an edited config.
        with open(root("etc/nanod/apps.ini"), "a") as f:
            f.write("; edited\n")
        make_install(dest, "/usr")
        assert open(root("etc/nanod/apps.ini")).read().endswith("; edited\n")


def test_make_install_default_prefix():
    with lib.tempdir() as dest:
        make_install(dest, "/usr/local")
        assert os.access(os.path.join(dest, "usr/local/sbin/nanod"), os.X_OK)
        unit = open(os.path.join(dest, "usr/local/lib/systemd/system/nanod.service")).read()
        assert "ExecStart=/usr/local/sbin/nanod -c ${CONF}" in unit, unit
