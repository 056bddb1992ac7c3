#!/usr/bin/env python3
"""README's first command on a fresh Debian 12 (issue 16 item 6): as root
in a container, which has no sudo, and as a user with sudo. Each in a
fresh debootstrap chroot (run_dockerfile.py's), with the source tree
copied in as a clone would be; the command must exit 0 and end with the
demo's diff and the reports it names.

Opt-in: it installs the README's packages (chromium among them) twice,
which takes many minutes, so it runs only when PARITY_TEST_README=1 (else
exits 77, meson's skip); it needs root and debootstrap."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_dockerfile as rd  # noqa: E402

README = os.path.join(rd.SOURCE_ROOT, "README.md")


def first_command():
    """The first line of README's first ```sh block."""
    with open(README, encoding="utf-8") as f:
        m = re.search(r"^```sh\n(.*?)\n", f.read(), re.M)
    if not m:
        rd.fail("README.md has no ```sh block")
    return m.group(1)


def check(stage, where, as_user):
    stage.user = as_user
    stage.workdir = where
    r = stage.chroot(["/bin/bash", "-c", first_command()], check=False)
    print("$ README's command as %s: exit %d\n%s%s" % (as_user, r.returncode, r.stdout[-3000:],
                                                       r.stderr[-3000:]), flush=True)
    if r.returncode != 0 or "== the diff: model version 2 against version 1 ==" not in r.stdout:
        rd.fail("README's first command as %s: exit %d" % (as_user, r.returncode))
    if "sudo: command not found" in r.stderr:
        rd.fail("README's first command needs sudo")


def as_root(work):
    st = rd.Stage("debian:bookworm", "root", work)
    if os.path.exists(st.path("/usr/bin/sudo")):
        rd.fail("the base tree has sudo: not what a container has")
    rd.copy_context(st.path("/src"))
    check(st, "/src", "root")


def as_sudo_user(work):
    st = rd.Stage("debian:bookworm", "user", work)
    st.chroot(["/bin/sh", "-c", "apt-get update -qq && apt-get install -y -qq sudo >/dev/null"
               " && useradd --create-home dev"
               " && echo 'dev ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/dev"])
    rd.copy_context(st.path("/home/dev/src"))
    st.chroot(["chown", "-R", "dev:dev", "/home/dev/src"])
    check(st, "/home/dev/src", "dev")


def main():
    if os.environ.get("PARITY_TEST_README") != "1":
        rd.skip("set PARITY_TEST_README=1 to run README's first command in two fresh chroots "
                "(many minutes, downloads from the Debian mirror)")
    if os.geteuid() != 0:
        rd.skip("needs root (chroot)")
    if not shutil.which("debootstrap"):
        rd.skip("debootstrap not installed (apt-get install debootstrap)")
    work = tempfile.mkdtemp(prefix="parity-readme-", dir="/var/tmp")
    try:
        which = os.environ.get("PARITY_TEST_README_AS", "root,sudo").split(",")
        if "root" in which:
            as_root(work)
        if "sudo" in which:
            as_sudo_user(work)
    finally:
        subprocess.run(["rm", "-rf", work], check=False)
    print("OK: README's first command works as root without sudo and as a user with sudo")


if __name__ == "__main__":
    main()
