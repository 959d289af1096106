"""One way to get a Dask client, used by every command that scales out.

``--scheduler tcp://host:8786`` (or the ``WORKBENCH_SCHEDULER`` environment variable) points a
command at a running ``dask.distributed`` cluster; without it a ``LocalCluster`` sized to the
machine is started for the duration of the command. Nothing here schedules work itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

SCHEDULER_ENV = "WORKBENCH_SCHEDULER"
"""Environment variable naming a scheduler address, used when ``--scheduler`` is not given."""


def scheduler_address(scheduler: str | None = None) -> str | None:
    """Return the scheduler address: the argument, else ``$WORKBENCH_SCHEDULER``, else None."""
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


@contextmanager
def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    processes: bool = True,
) -> Iterator[Client]:
    """Yield a ``distributed.Client``: connected to ``scheduler`` or to a new LocalCluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://127.0.0.1:8786``). ``None`` reads
        ``$WORKBENCH_SCHEDULER``; when that is unset too, a LocalCluster is started.
    n_workers
        Workers of the LocalCluster; defaults to the number of CPU cores.
    threads_per_worker
        Threads per LocalCluster worker.
    processes
        Whether LocalCluster workers are processes (default) or threads.
    """
    from distributed import Client, LocalCluster

    address = scheduler_address(scheduler)
    if address:
        client = Client(address, timeout="30s")
        try:
            yield client
        finally:
            client.close()
        return
    n = n_workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address=None,
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


__all__ = ["SCHEDULER_ENV", "dask_client", "scheduler_address"]
