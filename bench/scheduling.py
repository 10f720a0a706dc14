"""Linux's autogroup scheduler and a benchmark on one machine.

The load generator, the servers and PostgreSQL share this machine's cores. Autogroup scheduling (on by default in
most kernels) shares the CPU fairly between sessions rather than between processes: PostgreSQL, a service in a
session of its own, then competes as one group against the benchmark's session (and every server started in a
session of its own is one more group), and when the cores are oversubscribed its backends stalled for whole
seconds at a time (measured with bench/run.py: every pooled connection of a worker waiting 0.5-10 s at once,
PostgreSQL idle, wrk timeouts; none with autogroup off). Production servers rarely share cores this way; a
benchmark should not measure the scheduler's grouping instead of the service.
"""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

AUTOGROUP = Path("/proc/sys/kernel/sched_autogroup_enabled")


@contextlib.contextmanager
def scheduler_without_autogroup(*, keep: bool) -> Iterator[str]:
    """For the run: the kernel's autogroup scheduling off where it is on and this process may change it (root),
    restored afterwards. Yields how the run was scheduled, for the results."""
    try:
        enabled = AUTOGROUP.read_text().strip() == "1"
    except OSError:
        yield "no autogroup scheduling"
        return
    if not enabled:
        yield "autogroup scheduling off"
        return
    if keep or os.geteuid() != 0:
        print("note: autogroup scheduling is on; busy cores may stall PostgreSQL (see --help)", file=sys.stderr)
        yield "autogroup scheduling on"
        return
    try:
        AUTOGROUP.write_text("0")
    except OSError as error:  # root in a container whose /proc/sys is read-only
        print(f"note: autogroup scheduling is on and stays on ({error.strerror})", file=sys.stderr)
        yield "autogroup scheduling on"
        return
    print("autogroup scheduling off for the run (restored afterwards)", file=sys.stderr)
    try:
        yield "autogroup scheduling off for the run"
    finally:
        AUTOGROUP.write_text("1")
