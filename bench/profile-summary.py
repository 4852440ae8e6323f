#!/usr/bin/env python3
"""Summarises a dotnet-trace thread-time profile (converted to speedscope JSON) as CPU time: samples whose innermost
frame is a wait (Monitor.Wait, semaphores, socket reads, sleeps, ...) are dropped, so what remains is where threads
ran. Prints the top frames by inclusive and by exclusive share of the running time.

    dotnet dotnet-trace collect -p PID --profile dotnet-sampled-thread-time --duration 00:00:20 -o run.nettrace
    dotnet dotnet-trace convert run.nettrace --format Speedscope -o run
    python3 bench/profile-summary.py run.speedscope.json [--top 30] [--match AkkaKafka]
"""
import argparse, json, re
from collections import defaultdict

WAITS = re.compile(r"Monitor\.Wait|ManualResetEventSlim\.Wait|LowLevelLifoSemaphore\.Wait|WaitHandle\.Wait|Thread\.Sleep|"
                   r"Interop\+Sys\.(Read|Poll|WaitForSocketEvents|EPoll|Accept)|SpinWait|WaitForSignal|WaitOne|"
                   r"Missing Symbol|SocketAsyncEngine\.EventLoop|Finalize\(\)|WaitForPendingFinalizers|GetQueuedCompletionStatus|epoll_wait|Task\.Wait|SpinOnce")

PSEUDO = {"CPU_TIME", "UNMANAGED_CODE_TIME", "(Non-Activities)", "Threads", "?!?"}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file"); ap.add_argument("--top", type=int, default=30); ap.add_argument("--match", default=None)
    a = ap.parse_args()
    d = json.load(open(a.file))
    frames = [f["name"] for f in d["shared"]["frames"]]
    incl, excl = defaultdict(float), defaultdict(float)
    running = 0.0
    for p in d["profiles"]:
        stack, last = [], None
        for ev in p["events"]:
            t = ev["at"]
            if last is not None and stack:
                names = [frames[f] for f in stack]
                # The converter ends each stack with CPU_TIME (running managed code) or UNMANAGED_CODE_TIME (native code
                # or blocked in the kernel); the frame above it says which.
                real = [n for n in names if n not in PSEUDO and not n.startswith(("Thread (", "Process64", "Process32"))]
                if real and (names[-1] == "CPU_TIME" or not WAITS.search(real[-1])):
                    dt = t - last
                    running += dt
                    excl[real[-1] + (" [native]" if names[-1] == "UNMANAGED_CODE_TIME" else "")] += dt
                    for n in set(real): incl[n] += dt
            last = t
            if ev["type"] == "O": stack.append(ev["frame"])
            else:
                if stack: stack.pop()
    if running == 0: print("no running samples"); return
    def show(title, table):
        print(f"{title} (share of {running:.0f} ms of running thread time)")
        rows = sorted(table.items(), key=lambda kv: -kv[1])
        if a.match: rows = [r for r in rows if a.match in r[0]]
        for name, v in rows[:a.top]: print(f"{100*v/running:6.1f}%  {name[:150]}")
    show("Inclusive", incl); print(); show("Exclusive", excl)

if __name__ == "__main__": main()
