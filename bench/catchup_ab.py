#!/usr/bin/python3
"""A/B of the mesh catch-up between node binaries, for a machine whose speed drifts.

One origin node (the first binary, development mode, on loopback) is loaded once with --changes demo
structures; then a follower of each binary in turn, on a fresh data directory, pulls everything from it,
and is timed until its version vector equals the origin's. Binaries alternate for --rounds rounds, so
that the machine's drift falls on all alike. Prints, per follower, the catch-up rate and its CPU per
change (from /proc), then the means.

  bench/catchup_ab.py --rounds=2 old=/tmp/old/passerelle-node new=build-bench/node/passerelle-node
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORIGIN, FOLLOWER = "paris-2024", "solideo"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, all threads


def start_node(binary, directory, partner, port, peer_port=None):
    os.makedirs(directory, exist_ok=True)
    config = f'partner_id: "{partner}"\nlisten_address: "127.0.0.1:{port}"\n'
    config += f'data_dir: "{directory}/data"\n'
    if peer_port:
        config += f'peers {{ partner_id: "{ORIGIN}" address: "127.0.0.1:{peer_port}" }}\n'
    with open(f"{directory}/config.textproto", "w") as f:
        f.write(config)
    with open(f"{directory}/log", "w") as log:
        return subprocess.Popen([binary, f"--config={directory}/config.textproto"], stdout=log,
                                stderr=subprocess.STDOUT)


def holds(cli, port):
    """The node's vector as `passerelle mesh status` prints it ("paris-2024=N"), or None."""
    out = subprocess.run([cli, "mesh", "status", f"--node=127.0.0.1:{port}"],
                         capture_output=True, text=True).stdout
    first = out.splitlines()[0] if out else ""
    return first.split(" holds ", 1)[1] if " holds " in first else None


def wait_for(predicate, timeout, poll=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(poll)
    return False


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=1000000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cli", default=f"{ROOT}/build-bench/cli/passerelle")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per catch-up")
    parser.add_argument("binaries", nargs="+", metavar="NAME=NODE_BINARY")
    args = parser.parse_args()
    binaries = [b.split("=", 1) for b in args.binaries]

    work = tempfile.mkdtemp(prefix="passerelle-catchup-ab-")
    origin_port = free_port()
    origin = start_node(binaries[0][1], f"{work}/origin", ORIGIN, origin_port)
    try:
        if not wait_for(lambda: holds(args.cli, origin_port) is not None, 30):
            sys.exit("the origin did not start")
        csv = f"{work}/structures.csv"
        subprocess.run([args.cli, "demo", "structures", f"--count={args.changes}", "--seed=2024",
                        f"--out={csv}"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([args.cli, "structures", "import", csv, f"--node=127.0.0.1:{origin_port}"],
                       check=True, stdout=subprocess.DEVNULL)
        target = holds(args.cli, origin_port)
        changes = int(target.split("=")[1])
        print(f"# origin holds {target}; followers alternate {args.rounds} rounds", flush=True)

        results = {name: [] for name, _ in binaries}
        for round_number in range(args.rounds):
            for name, binary in binaries:
                directory = f"{work}/follower"
                shutil.rmtree(directory, ignore_errors=True)
                port = free_port()
                origin_before = cpu_seconds(origin.pid)
                started = time.time()
                follower = start_node(binary, directory, FOLLOWER, port, origin_port)
                caught_up = wait_for(lambda: holds(args.cli, port) == target, args.timeout)
                elapsed = time.time() - started
                follower_cpu = cpu_seconds(follower.pid)
                origin_cpu = cpu_seconds(origin.pid) - origin_before
                follower.send_signal(signal.SIGTERM)
                follower.wait()
                if not caught_up:
                    sys.exit(f"{name} did not catch up within {args.timeout} s")
                rate, cpu = changes / elapsed, follower_cpu / changes * 1e6
                results[name].append((rate, cpu))
                print(f"# {name} round {round_number}: {rate:.0f} changes/s, follower CPU {cpu:.1f} "
                      f"us/change, origin serving {origin_cpu / changes * 1e6:.1f} us/change",
                      flush=True)
        for name, runs in results.items():
            print(f"BENCH catchup_ab_{name}_changes_per_s "
                  f"{sum(r for r, _ in runs) / len(runs):.0f} changes/s")
            print(f"BENCH catchup_ab_{name}_follower_cpu_us_per_change "
                  f"{sum(c for _, c in runs) / len(runs):.1f} us")
    finally:
        origin.send_signal(signal.SIGTERM)
        origin.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
