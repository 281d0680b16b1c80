#!/usr/bin/env python3
"""The doctor against docker-compose itself, one corpus case at a time.

    conformance.py CORPUS OUT [CASE...]

Each directory of CORPUS is a small project (compose files, .env, ...) and an optional
`case` file of KEY=VALUE lines: args= (more docker-compose options, e.g. -f a -f b),
env= (a variable for both programs; repeatable), cwd= (where to run, for the search
in parent directories), empty= (a directory to create empty; repeatable).

For every case, in a copy under a temporary directory named after $PREFIX:
  1. `docker-compose config` and `volown-doctor --format json` on the same files and
     environment: compose refusing the project means the doctor must exit 2 with a
     JSON error; otherwise every service compose lists is one the doctor read or
     skipped for its profiles, with the same image, user, entrypoint, command,
     privileges, profiles, volumes_from and mounts (type, source, target, read-only).
  2. a real `docker-compose up`: the containers carry the project name the doctor
     used, each mount is the volume or host path the doctor named, a service that
     compose does not start has no container, and the stand-in MailHog stored its
     message exactly where the doctor predicted it could write (MH_MAILDIR_PATH).
OUT/NAME gets "ok" or the differences. Exit 0 when every case ran.

Needs DOCTOR (the doctor), PREFIX, and the images in IMAGE, IMAGE_DIR, IMAGE_CMD,
IMAGE_VOLUME, IMAGE_VOLOWN (tests/doctor/helpers.bash builds them).
"""
import concurrent.futures
import json
import os
import posixpath
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

DOCTOR = os.environ["DOCTOR"]
PREFIX = os.environ["PREFIX"]


def read_case(path):
    meta = {"args": [], "env": {}, "cwd": ".", "empty": []}
    if not os.path.exists(path):
        return meta
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            if key == "args":
                meta["args"] = shlex.split(value)
            elif key == "env":
                k, _, v = value.partition("=")
                meta["env"][k] = v
            elif key == "cwd":
                meta["cwd"] = value
            elif key == "empty":
                meta["empty"].append(value)
    return meta


def unescape(value):
    """`docker-compose config` writes each $ of a string as $$."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    return value


def words(value):
    """An entrypoint or command as the engine gets it: a list (a string split like a shell)."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def compose_mounts(svc):
    """(type, source, target, read-only) of each volume and tmpfs, as compose read them."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            t = v["type"]
            source = v.get("source") or None
            target = v.get("target")
            ro = bool(v.get("read_only"))
        else:
            parts = v.split(":")
            if len(parts) == 1:
                t, source, target, ro = "volume", None, parts[0], False
            else:
                source, target = parts[0], parts[1]
                mode = parts[2] if len(parts) > 2 else "rw"
                t = "bind" if source.startswith((".", "/", "~")) or not source else "volume"
                ro = "ro" in mode.split(",")
        out.append((t, source, posixpath.normpath(target) if target else target, ro))
    for spec in svc.get("tmpfs") or []:
        path, _, opts = spec.partition(":")
        out.append(("tmpfs", None, posixpath.normpath(path), "ro" in opts.split(",")))
    return sorted(out, key=repr)


def doctor_mounts(svc):
    out = []
    for m in svc.get("mounts") or []:
        if m.get("from", "file") != "file":
            continue
        out.append((m["type"], m["source"], m["target"], m["read_only"]))
    return sorted(out, key=repr)


def compare_service(name, c, d, problems):
    dc = d.get("compose") or {}

    def same(what, want, got):
        if want != got:
            problems.append("service %s: %s: compose %r, doctor %r" % (name, what, want, got))

    if not dc:
        problems.append("service %s: the doctor does not say how it read it" % name)
    same("image", c.get("image"), dc.get("image"))
    same("build", "build" in c, dc.get("build"))
    same("user", c.get("user"), dc.get("user"))
    same("entrypoint", words(c.get("entrypoint")), dc.get("entrypoint"))
    same("command", words(c.get("command")), dc.get("command"))
    same("privileged", bool(c.get("privileged")), dc.get("privileged"))
    for key in ("cap_add", "cap_drop", "group_add", "profiles"):
        same(key, sorted(str(x) for x in c.get(key) or []), sorted(dc.get(key) or []))
    same("volumes_from", sorted(c.get("volumes_from") or []), sorted(dc.get("volumes_from") or []))
    if d.get("status") != "error" or "compose" in d:
        same("mounts", compose_mounts(c), doctor_mounts(d))


def run(cmd, cwd, env, timeout=120):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def containers(project):
    rc, out, _ = run(["docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + project],
                     None, None)
    ids = out.split()
    if not ids:
        return []
    rc, out, _ = run(["docker", "inspect"] + ids, None, None)
    return json.loads(out) if rc == 0 else []


def remove_project(project):
    """What `docker-compose down -v` removes, with the docker CLI (faster than compose)."""
    label = "label=com.docker.compose.project=" + project
    for kind, ls in (("container", ["ps", "-aq"]), ("network", ["network", "ls", "-q"]),
                     ("volume", ["volume", "ls", "-q"])):
        rc, out, _ = run(["docker"] + ls + ["--filter", label], None, None)
        if out.split():
            rm = ["rm", "-f", "-v"] if kind == "container" else [kind, "rm"]
            run(["docker"] + rm + out.split(), None, None)


def logs(cid):
    rc, out, err = run(["docker", "logs", cid], None, None)
    return out + err


def check_run(case, work, cwd, env, args, config, report, problems):
    """docker-compose up for real, then each prediction against what happened."""
    project = report["project"]
    rc, out, err = run(["docker-compose", "--ansi", "never"] + args + ["up", "--no-color", "-t", "1"],
                       cwd, env, timeout=180)
    try:
        ran = containers(project)
        by_service = {}
        for c in ran:
            by_service.setdefault(c["Config"]["Labels"].get("com.docker.compose.service"), []).append(c)
        if rc == 0 and not ran and report["services"]:
            problems.append("up made no container under the doctor's project name %s: %s" % (project, err[-500:]))
        for name in report.get("skipped") or []:
            svc = name.split(" ")[0]
            if svc in by_service:
                problems.append("service %s was skipped by the doctor, but up started it" % svc)
        for d in report["services"]:
            name = d["name"]
            mine = by_service.get(name, [])
            errors = [m for m in d.get("mounts") or [] if m.get("verdict") == "error"]
            if d["status"] == "error" or errors:
                if mine and all(c["State"]["ExitCode"] == 0 for c in mine) and rc == 0:
                    problems.append("service %s: the doctor says it cannot start (%s), but it ran"
                                    % (name, d.get("error") or "; ".join(m.get("reason", "") for m in errors)))
                continue
            if not mine:
                problems.append("service %s: no container (up said: %s)" % (name, err[-400:]))
                continue
            c = mine[0]
            mounts = {m["Destination"]: m for m in c.get("Mounts") or []}
            for m in d.get("mounts") or []:
                real = mounts.get(m["target"])
                if m["type"] == "tmpfs":
                    continue
                if not real:
                    problems.append("service %s: no mount at %s" % (name, m["target"]))
                elif m["type"] == "volume" and m["volume_name"] and real.get("Name") != m["volume_name"]:
                    problems.append("service %s: %s is the volume %s, the doctor said %s"
                                    % (name, m["target"], real.get("Name"), m["volume_name"]))
                elif m["type"] == "bind" and os.path.realpath(real.get("Source", "")) != os.path.realpath(m["source"]):
                    problems.append("service %s: %s is bound from %s, the doctor said %s"
                                    % (name, m["target"], real.get("Source"), m["source"]))
            env_list = (config["services"][name].get("environment") or {})
            target = env_list.get("MH_MAILDIR_PATH") if isinstance(env_list, dict) else None
            text = logs(c["Id"])
            if target:
                verdict = [m["verdict"] for m in d.get("mounts") or [] if m["target"] == target]
                stored = "MailHog: stored" in text
                want = verdict and verdict[0] == "ok"
                if not verdict:
                    problems.append("service %s: the doctor has no mount at %s" % (name, target))
                elif want != stored:
                    problems.append("service %s: predicted %s at %s, but the program %s: %s"
                                    % (name, verdict[0], target, "stored its message" if stored
                                       else "could not write", text.strip()[-300:]))
            elif c["State"]["ExitCode"] != 0:
                problems.append("service %s exited with %d: %s" % (name, c["State"]["ExitCode"], text[-300:]))
    finally:
        remove_project(project)


def check_case(corpus, name):
    meta = read_case(os.path.join(corpus, name, "case"))
    problems = []
    top = tempfile.mkdtemp(prefix="volown-conformance-")
    work = os.path.join(top, "%s-%s" % (PREFIX, name.split("-")[0]))
    shutil.copytree(os.path.join(corpus, name), work)
    try:
        if os.path.exists(os.path.join(work, "case")):
            os.unlink(os.path.join(work, "case"))
        for d in meta["empty"]:
            os.makedirs(os.path.join(work, d), exist_ok=True)
        env = dict(os.environ)
        env.update(meta["env"])
        cwd = os.path.join(work, meta["cwd"])
        args = meta["args"]
        # both read only: at the same time
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as two:
            compose = two.submit(run, ["docker-compose"] + args + ["config"], cwd, env)
            doctor = two.submit(run, [DOCTOR] + args + ["--format", "json"], cwd, env)
            rc, out, err = compose.result()
            drc, dout, derr = doctor.result()
        try:
            report = json.loads(dout)
        except ValueError:
            return ["the doctor printed no JSON (exit %d): %s" % (drc, derr.strip())]
        if drc not in (0, 1, 2):
            return ["the doctor exited %d: %s" % (drc, derr.strip()[-2000:])]
        if rc != 0:
            if drc != 2 or report.get("status") != "error" or not report.get("error"):
                problems.append("compose refuses this project (%s), the doctor exits %d with %r"
                                % (err.strip().splitlines()[-1] if err.strip() else rc, drc,
                                   report.get("error")))
            return problems
        if report.get("error"):
            return ["compose reads this project, the doctor refuses it: %s" % report["error"]]
        config = unescape(yaml.safe_load(out))
        services = config.get("services") or {k: v for k, v in config.items() if k != "version"}
        read = {s["name"]: s for s in report["services"]}
        skipped = [s.split(" ")[0] for s in report.get("skipped") or []]
        if sorted(services) != sorted(list(read) + skipped):
            problems.append("services: compose %s, the doctor read %s and skipped %s"
                            % (sorted(services), sorted(read), skipped))
        for name_, svc in services.items():
            if name_ in read:
                compare_service(name_, svc, read[name_], problems)
        check_run(name, work, cwd, env, args, {"services": services}, report, problems)
        return problems
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", top])
        shutil.rmtree(top, ignore_errors=True)


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or sorted(n for n in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, n)))
    os.makedirs(out, exist_ok=True)

    def one(name):
        try:
            problems = check_case(corpus, name)
        except Exception as e:  # a broken case reports, never hangs the others
            problems = ["the check itself failed: %r" % e]
        with open(os.path.join(out, name), "w") as f:
            f.write("ok\n" if not problems else "".join(p + "\n" for p in problems))
        return name, problems

    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("JOBS", "6"))) as pool:
        for name, problems in pool.map(one, names):
            print("%s %s" % ("ok" if not problems else "FAIL", name))
            for p in problems:
                print("    " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
