"""Evidence that cannot be fooled (issue 14, item 4): an attestation whose
signature is good but whose predicate disagrees with manifest.json is a
finding. Fails on the code before the predicate check."""

import base64
import json
import os
import shutil
import subprocess
import unittest

import harness
from test_hardening import ITEM, Base

SSH_KEYGEN = shutil.which("ssh-keygen")
try:
    from cryptography.hazmat.primitives import serialization
except ImportError:  # pragma: no cover - Debian's python3-cryptography
    serialization = None

PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type, body):
    """DSSE's pre-authentication encoding."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


@unittest.skipUnless(SSH_KEYGEN and serialization, "ssh-keygen or python3-cryptography missing")
class ForgedPredicateTest(Base):
    def setUp(self):
        super().setUp()
        self.key = os.path.join(self.tmp, "key")
        subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "auditor", "-f",
                        self.key], check=True, stdin=subprocess.DEVNULL)
        with open(self.key + ".pub") as f:
            pub = " ".join(f.read().split()[:2])
        self.allowed = os.path.join(self.tmp, "allowed_signers")
        with open(self.allowed, "w") as f:
            f.write("auditor@acme.example %s\n" % pub)
        suite = self.suite("s/suite.json", items=[ITEM, dict(ITEM, id="i2")])
        self.run_dir = os.path.join(self.tmp, "run")
        r = self.run_sim(suite, self.run_dir, "--operator", "Ada", "--purpose", "audit")
        self.assertEqual(r.rc, 0, r.describe())
        for cmd in ("attest", "sign"):
            r = harness.parity([cmd, self.run_dir, "--key", self.key])
            self.assertEqual(r.rc, 0, r.describe())
        self.att = os.path.join(self.run_dir, "attestation.intoto.json")

    def forge(self, edit):
        """Edits the predicate and signs the result with the same key."""
        env = harness.load_json(self.att)
        st = json.loads(base64.b64decode(env["payload"]))
        edit(st["predicate"])
        body = json.dumps(st, sort_keys=True, separators=(",", ":")).encode()
        with open(self.key, "rb") as f:
            key = serialization.load_ssh_private_key(f.read(), password=None)
        env["payload"] = base64.b64encode(body).decode()
        env["signatures"][0]["sig"] = base64.b64encode(key.sign(pae(PAYLOAD_TYPE, body))).decode()
        with open(self.att, "w") as f:
            json.dump(env, f)

    def verify(self, *extra):
        return harness.parity(["verify", self.run_dir, *extra])

    def test_the_honest_attestation_verifies(self):
        r = self.verify("--allowed-signers", self.allowed)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("attestation verified", r.stdout)

    def assert_forged(self, *needles):
        for extra in (("--allowed-signers", self.allowed), ()):
            r = self.verify(*extra)
            self.assertEqual(r.rc, 1, r.describe())
            for n in needles:
                self.assertIn(n, r.stdout, r.describe())
            # The signature itself is good: the forgery is in what it says.
            self.assertNotIn("does not match the payload", r.stdout)
            self.assertNotIn("attestation verified", r.stdout)

    def test_a_forged_model_is_found_though_the_signature_holds(self):
        self.forge(lambda p: p["engine"].__setitem__("name", "openai-chat"))
        self.assert_forged("predicate /engine/name differs from manifest.json")

    def test_forged_counts_operator_and_added_keys_are_found(self):
        def edit(p):
            p["counts"]["errors"] = 0
            p["counts"]["records"] += 100
            p["operator"] = {"name": "Mallory"}
            p["approved"] = True
            del p["purpose"]
        self.forge(edit)
        self.assert_forged("predicate /counts/records differs", "predicate /operator",
                           "predicate /approved is not in manifest.json",
                           "predicate /purpose is missing")

    def test_an_emptied_predicate_is_found(self):
        def edit(p):
            p.clear()
        self.forge(edit)
        self.assert_forged("predicate /run_id is missing")


if __name__ == "__main__":
    unittest.main()
