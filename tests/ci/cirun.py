"""Play CI definitions outside CI: a GitHub composite action's steps and a
GitLab job's script, with the environment those systems set (tests/ci/).

GitHub (docs: "Metadata syntax for GitHub Actions", "Workflow commands"):
each `run:` step is written to a file and run as `bash --noprofile --norc
-eo pipefail FILE` with the step's `env:` after `${{ }}` expressions are
evaluated (inputs.*, steps.*.outputs.*, github.*, runner.*); GITHUB_OUTPUT
is a fresh file per step whose `name=value` lines become that step's
outputs; GITHUB_STEP_SUMMARY a fresh file per step, appended to the job's
summary; lines of GITHUB_PATH go in front of PATH for later steps. A failed
step skips the later steps whose `if:` is not always(). `uses:` steps are
GitHub's own actions and are not run: they are returned with their `with:`
evaluated, for the test to check what they would have got."""

import os
import re
import subprocess
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class ActionRun:
    def __init__(self, action_file, inputs, workspace, env=None):
        with open(action_file, encoding="utf-8") as f:
            self.action = yaml.safe_load(f)
        self.path = os.path.dirname(os.path.abspath(action_file))
        self.inputs = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        for k, v in inputs.items():
            if k not in self.inputs:
                raise KeyError("no input %r in %s" % (k, action_file))
            self.inputs[k] = v
        self.workspace = workspace
        self.temp = tempfile.mkdtemp(prefix="runner-temp-", dir=workspace)
        self.base_env = dict(env or os.environ)
        self.extra_path = []
        self.outputs = {}
        self.summary = ""
        self.log = []
        self.uses = []
        self.failed = None

    def value(self, expr):
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        known = {"github.action_path": self.path, "github.workspace": self.workspace,
                 "github.job": "test", "github.run_attempt": "1", "runner.temp": self.temp}
        if expr in known:
            return known[expr]
        raise ValueError("expression not played by this test: ${{ %s }}" % expr)

    def expand(self, text):
        return EXPR.sub(lambda m: self.value(m.group(1)), str(text))

    def github_env(self):
        env = dict(self.base_env)
        env.update(GITHUB_ACTIONS="true", CI="true", GITHUB_WORKSPACE=self.workspace,
                   GITHUB_ACTION_PATH=self.path, RUNNER_TEMP=self.temp, GITHUB_JOB="test",
                   GITHUB_RUN_ID="1", GITHUB_RUN_ATTEMPT="1", RUNNER_OS="Linux")
        env["PATH"] = os.pathsep.join(self.extra_path + [env.get("PATH", "")])
        return env

    def run_step(self, i, step):
        sid = step.get("id", "step%d" % i)
        files = {k: os.path.join(self.temp, "%s-%s" % (k, sid))
                 for k in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV")}
        for p in files.values():
            open(p, "w").close()
        script = os.path.join(self.temp, "script-%s.sh" % sid)
        with open(script, "w", encoding="utf-8") as f:
            f.write(self.expand(step["run"]))
        env = self.github_env()
        env.update(files)
        env.update({k: self.expand(v) for k, v in (step.get("env") or {}).items()})
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                           env=env, cwd=self.workspace, capture_output=True, text=True,
                           timeout=900)
        self.log.append((sid, p.returncode, p.stdout, p.stderr))
        outs = {}
        with open(files["GITHUB_OUTPUT"], encoding="utf-8") as f:
            for line in f.read().splitlines():
                k, _, v = line.partition("=")
                outs[k] = v
        self.outputs[sid] = outs
        with open(files["GITHUB_STEP_SUMMARY"], encoding="utf-8") as f:
            self.summary += f.read()
        with open(files["GITHUB_PATH"], encoding="utf-8") as f:
            self.extra_path = [ln for ln in f.read().splitlines() if ln] + self.extra_path
        return p.returncode

    def run(self):
        for i, step in enumerate(self.action["runs"]["steps"]):
            cond = str(step.get("if", "success()")).strip()
            if cond not in ("success()", "always()"):
                raise ValueError("if: %s is not played by this test" % cond)
            if self.failed is not None and cond != "always()":
                continue
            if "uses" in step:
                self.uses.append((step["uses"], {k: self.expand(v)
                                                 for k, v in (step.get("with") or {}).items()}))
                continue
            if step.get("shell") != "bash":
                raise ValueError("step %s: shell must be bash" % step.get("id"))
            rc = self.run_step(i, step)
            if rc and self.failed is None:
                self.failed = (step.get("id"), rc)
        return {k: self.expand(v["value"]) for k, v in self.action.get("outputs", {}).items()}

    def describe(self):
        out = []
        for sid, rc, so, se in self.log:
            out.append("--- step %s: exit %s\n%s%s" % (sid, rc, so[-2000:], se[-2000:]))
        return "\n".join(out)


def gitlab_script(template, job, variables, workdir, env=None):
    """Runs job's before_script and script of a GitLab CI file as the runner
    does: one bash shell, -eo pipefail, the job's and the given variables in
    the environment with CI_* set, cwd CI_PROJECT_DIR; then after_script in
    a shell of its own. Returns (exit code, output, the job dict)."""
    with open(template, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    spec = doc[job]
    merged = {}
    for parent in ([spec["extends"]] if isinstance(spec.get("extends"), str)
                   else spec.get("extends", [])):
        merged.update(doc[parent])
    merged.update(spec)
    e = dict(env or os.environ)
    e.update(CI="true", GITLAB_CI="true", CI_PROJECT_DIR=workdir, CI_JOB_ID="1",
             CI_JOB_NAME=job, CI_PIPELINE_ID="1", CI_COMMIT_SHA="0" * 40,
             CI_COMMIT_REF_NAME="main", CI_DEFAULT_BRANCH="main")
    e.update({k: str(v) for k, v in (doc.get("variables") or {}).items()})
    e.update({k: str(v) for k, v in (merged.get("variables") or {}).items()})
    e.update(variables)
    lines = list(merged.get("before_script", [])) + list(merged.get("script", []))
    p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                        "\n".join(lines)], env=e, cwd=workdir, capture_output=True, text=True,
                       timeout=900)
    out = p.stdout + p.stderr
    if merged.get("after_script"):
        a = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                            "\n".join(merged["after_script"])], env=e, cwd=workdir,
                           capture_output=True, text=True, timeout=300)
        out += a.stdout + a.stderr
    return p.returncode, out, merged
