#!/usr/bin/env python3
"""The top-level Dockerfile's build, run without docker (issue 16 item 6).

No docker daemon and no registry here, so each stage of the Dockerfile is
played in a fresh Debian 12 chroot made by debootstrap from the Debian
mirror: FROM a copy of the base tree, RUN in the chroot (as USER, in
WORKDIR, with ENV), COPY from the build context (minus .dockerignore) or
from an earlier stage, then the last stage's ENTRYPOINT run as its user
with `--help`, `suite list` and `demo`: the image's parity, installed,
as a non-root user, from its data directory.

Opt-in: it downloads and builds for several minutes, so it runs only when
PARITY_TEST_DOCKERFILE=1 (else exits 77, meson's skip, with the reason);
it needs root and debootstrap. The base tree is cached in
PARITY_CHROOT_CACHE (default /var/tmp/parity-chroot-bookworm).

debian:bookworm and debian:bookworm-slim are both played by a minbase
debootstrap with the image's apt sources (bookworm, -updates, -security):
the closest a mirror gives; the slim image is a subset of minbase's
packages, so a package the runtime stage forgets is still caught unless
minbase happens to hold it (it holds none of parity's libraries)."""

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("PARITY_SOURCE_ROOT", os.path.normpath(os.path.join(HERE, "..", "..")))
DOCKERFILE = os.path.join(SOURCE_ROOT, "Dockerfile")
MIRROR = "http://deb.debian.org/debian"
CACHE = os.environ.get("PARITY_CHROOT_CACHE", "/var/tmp/parity-chroot-bookworm")
IMAGES = ("debian:bookworm", "debian:bookworm-slim")
# The apt sources of the official debian:bookworm images.
SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def instructions(path):
    """[(INSTRUCTION, argument text)] with continuations joined, comments dropped."""
    out, cur = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip().startswith("#") or (not line.strip() and not cur):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            cur += line
            word, _, rest = cur.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            cur = ""
    if cur:
        fail("Dockerfile ends inside a continued line")
    return out


def sh(args, **kw):
    print("+ " + " ".join(shlex.quote(a) for a in args), flush=True)
    p = subprocess.run(args, **kw)
    if p.returncode:
        fail("exit %d: %s" % (p.returncode, " ".join(args)))
    return p


def base_tree():
    """The cached debootstrap tree (made once)."""
    if os.path.exists(os.path.join(CACHE, ".complete")):
        return CACHE
    tmp = CACHE + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    sh(["debootstrap", "--variant=minbase", "bookworm", tmp, MIRROR])
    os.remove(os.path.join(tmp, "etc", "apt", "sources.list"))
    with open(os.path.join(tmp, "etc", "apt", "sources.list.d", "debian.sources"), "w") as f:
        f.write(SOURCES)
    open(os.path.join(tmp, ".complete"), "w").close()
    shutil.rmtree(CACHE, ignore_errors=True)
    os.rename(tmp, CACHE)
    return CACHE


def ignored(rel, patterns):
    """Whether a context path matches .dockerignore (the forms it uses)."""
    parts = rel.split("/")
    for p in patterns:
        dir_only = p.endswith("/")
        p = p.rstrip("/")
        if p.startswith("**/"):
            if any(fnmatch.fnmatch(part, p[3:]) for part in parts):
                return True
        elif fnmatch.fnmatch(parts[0], p) or fnmatch.fnmatch(rel, p):
            if not dir_only or len(parts) > 1 or os.path.isdir(os.path.join(SOURCE_ROOT, rel)):
                return True
    return False


def copy_context(dest):
    patterns = []
    ign = os.path.join(SOURCE_ROOT, ".dockerignore")
    if os.path.exists(ign):
        with open(ign, encoding="utf-8") as f:
            patterns = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    for top, dirs, files in os.walk(SOURCE_ROOT):
        rel_top = os.path.relpath(top, SOURCE_ROOT)
        rel_top = "" if rel_top == "." else rel_top + "/"
        dirs[:] = [d for d in dirs if not ignored(rel_top + d, patterns)]
        os.makedirs(os.path.join(dest, rel_top), exist_ok=True)
        for name in files:
            if not ignored(rel_top + name, patterns):
                shutil.copy2(os.path.join(top, name), os.path.join(dest, rel_top + name),
                             follow_symlinks=False)


class Stage:
    def __init__(self, image, name, work):
        if image not in IMAGES:
            fail("FROM %s: only %s can be played from the Debian mirror" % (image, IMAGES))
        self.name, self.root = name, os.path.join(work, name)
        sh(["cp", "-a", base_tree(), self.root])
        shutil.copy("/etc/resolv.conf", os.path.join(self.root, "etc", "resolv.conf"))
        self.user, self.workdir, self.env = "root", "/", {"PATH": PATH}
        self.entrypoint, self.cmd = [], []

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def chroot(self, argv, check=True):
        """argv in the chroot as the stage's user, in its WORKDIR, with its ENV only;
        /proc and /dev mounted as docker does, in a mount namespace of its own."""
        env = dict(self.env, HOME=self.home())
        spec = [] if self.user == "root" else ["--userspec=%s:%s" % (self.user, self.user)]
        cd = "cd %s && exec \"$@\"" % shlex.quote(self.workdir)
        mounts = 'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" && shift && exec "$@"'
        full = ["unshare", "--mount", "--propagation", "private", "--fork", "--",
                "/bin/sh", "-c", mounts, "sh", self.root, "env", "-i"] + \
            ["%s=%s" % kv for kv in env.items()] + \
            [shutil.which("chroot")] + spec + [self.root, "/bin/sh", "-c", cd, "sh"] + argv
        if check:
            return sh(full)
        return subprocess.run(full, capture_output=True, text=True, timeout=600)

    def home(self):
        for line in open(self.path("/etc/passwd"), encoding="utf-8"):
            f = line.split(":")
            if f[0] == self.user:
                return f[5]
        return "/"

    def uid(self):
        for line in open(self.path("/etc/passwd"), encoding="utf-8"):
            f = line.split(":")
            if f[0] == self.user:
                return int(f[2])
        fail("USER %s: no such user in the image" % self.user)


def play(work):
    stages = {}
    st = None
    for word, arg in instructions(DOCKERFILE):
        if word == "FROM":
            f = arg.split()
            name = f[2] if len(f) == 3 and f[1].upper() == "AS" else "stage%d" % len(stages)
            st = stages[name] = Stage(f[0], name, work)
        elif st is None:
            fail("%s before FROM" % word)
        elif word == "RUN":
            st.chroot(["/bin/sh", "-c", arg])
        elif word == "WORKDIR":
            st.workdir = os.path.join(st.workdir, arg)
            os.makedirs(st.path(st.workdir), exist_ok=True)  # owned by root, as docker does
        elif word == "ENV":
            k, _, v = arg.partition("=")
            st.env[k.strip()] = v.strip().strip('"')
        elif word == "USER":
            st.user = arg.split(":")[0]
        elif word == "COPY":
            f = arg.split()
            src_root = SOURCE_ROOT
            if f[0].startswith("--from="):
                src_root = stages[f[0][7:]].root
                f = f[1:]
            if len(f) != 2:
                fail("COPY %s: one source and one destination expected" % arg)
            dest = st.path(f[1])
            if src_root == SOURCE_ROOT and f[0] == ".":
                copy_context(dest)
            else:
                sh(["cp", "-a", os.path.join(src_root, f[0].lstrip("/")).rstrip("/") + "/.",
                    dest])
        elif word in ("ENTRYPOINT", "CMD"):
            setattr(st, word.lower(), json.loads(arg))
        elif word not in ("LABEL", "ARG", "EXPOSE"):
            fail("instruction %s is not played by this test" % word)
    return st


def check_final(st):
    if st.uid() == 0:
        fail("the image runs as root (USER %s)" % st.user)
    if not st.entrypoint or not st.entrypoint[0].endswith("/parity"):
        fail("the entrypoint is not the installed parity: %s" % st.entrypoint)
    for args, want in ((st.cmd, "usage: parity <command>"),
                       (["suite", "list"], "/usr/local/share/parity/suites/demo/demo.json"),
                       (["demo"], "== the diff: model version 2 against version 1 ==")):
        r = st.chroot(st.entrypoint + args, check=False)
        print("$ parity %s: exit %d\n%s%s" % (" ".join(args), r.returncode,
                                             r.stdout[-1500:], r.stderr[-1500:]))
        if r.returncode != 0 or want not in r.stdout:
            fail("parity %s in the image: exit %d, %r not in its output"
                 % (" ".join(args), r.returncode, want))
    if os.path.exists(st.path("/usr/local/bin/meson")) or os.path.exists(st.path("/usr/bin/gcc")):
        fail("the runtime stage carries the build tools")


def main():
    if os.environ.get("PARITY_TEST_DOCKERFILE") != "1":
        skip("set PARITY_TEST_DOCKERFILE=1 to build the Dockerfile in a chroot (minutes, "
             "downloads from the Debian mirror)")
    if os.geteuid() != 0:
        skip("needs root (chroot)")
    if not shutil.which("debootstrap"):
        skip("debootstrap not installed (apt-get install debootstrap)")
    work = tempfile.mkdtemp(prefix="parity-dockerfile-", dir="/var/tmp")
    try:
        check_final(play(work))
    finally:
        subprocess.run(["rm", "-rf", work], check=False)
    print("OK: every stage of %s built, and its entrypoint ran as a non-root user" % DOCKERFILE)


if __name__ == "__main__":
    main()
