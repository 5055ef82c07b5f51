"""SDK of hyperparameter sweeps: start a sweep, watch its live leaderboard, stop it, get results.

A sweep is a ``SweepWorkflow`` on the eval task queue; it outlives the process that started it.
``watch`` polls the leaderboard query; ``stop`` sends the validated stop update.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from bert_types import (
    StopSweepRequest,
    SweepConfig,
    SweepLeaderboard,
    SweepWorkflowInput,
)
from bert_types import names as bert_names
from temporalio.client import RPCError, WorkflowHandle, WorkflowUpdateFailedError

from bert_client.client import BertClient
from bert_client.errors import BertClientError, QueryFailedError, translate_temporal_error

LEADERBOARD_QUERY_TIMEOUT = timedelta(seconds=10)


class SweepStopRejectedError(BertClientError):
    """The sweep refused the stop (already stopping without ``cancel_running``, or finished)."""


def new_sweep_id() -> str:
    """A fresh sweep workflow id: ``sweep-<local time>-<8 hex>``."""
    return f"sweep-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"


async def start_sweep(
    client: BertClient, config: SweepConfig, *, sweep_id: str | None = None
) -> "SweepHandle":
    """Start ``config`` as a sweep; its id is ``sweep_id``, else the file's, else a new one."""
    workflow_id = sweep_id or config.sweep_id or new_sweep_id()
    payload = SweepWorkflowInput(config=config.model_copy(update={"sweep_id": workflow_id}))
    await client._call(
        workflow_id,
        lambda: client.temporal.start_workflow(
            bert_names.SWEEP_WORKFLOW,
            payload,
            id=workflow_id,
            task_queue=client.eval_task_queue,
            result_type=SweepLeaderboard,
        ),
    )
    return SweepHandle(client, workflow_id)


def get_sweep(client: BertClient, sweep_id: str) -> "SweepHandle":
    """A handle on an existing sweep (its workflow id)."""
    return SweepHandle(client, sweep_id)


class SweepHandle:
    """A started sweep: live leaderboard, watch, stop and final result."""

    def __init__(self, client: BertClient, sweep_id: str) -> None:
        """Refer to the sweep workflow ``sweep_id`` through ``client``."""
        self.client = client
        self.sweep_id = sweep_id

    def _handle(self) -> WorkflowHandle[Any, SweepLeaderboard]:
        return self.client.temporal.get_workflow_handle(self.sweep_id, result_type=SweepLeaderboard)

    async def leaderboard(self) -> SweepLeaderboard:
        """The live leaderboard: every trial ranked best first, with status, rung and metric."""
        handle = self._handle()
        return await self.client._call(
            self.sweep_id,
            lambda: handle.query(
                bert_names.GET_LEADERBOARD_QUERY,
                result_type=SweepLeaderboard,
                rpc_timeout=LEADERBOARD_QUERY_TIMEOUT,
            ),
        )

    async def result(self) -> SweepLeaderboard:
        """Wait for the sweep to end (completed or stopped) and return the final leaderboard."""
        return await self.client._call(self.sweep_id, self._handle().result)

    async def watch(self, interval_s: float = 2.0) -> AsyncIterator[SweepLeaderboard]:
        """Yield the leaderboard every ``interval_s`` while the sweep runs, then the final one.

        Queries that fail while a worker restarts are skipped; the sweep keeps running.
        """
        final = asyncio.create_task(self.result())
        try:
            while not final.done():
                board: SweepLeaderboard | None = None
                with contextlib.suppress(QueryFailedError):
                    board = await self.leaderboard()
                if board is not None and not final.done():
                    yield board
                await asyncio.wait({final}, timeout=interval_s)
            yield final.result()
        finally:
            if not final.done():
                final.cancel()

    async def stop(
        self, *, reason: str | None = None, cancel_running: bool = False
    ) -> SweepLeaderboard:
        """Start no more trials (and cancel running ones with ``cancel_running``); returns the
        leaderboard at that moment. ``result()`` then returns once running trials have ended."""
        request = StopSweepRequest(reason=reason, cancel_running=cancel_running)
        handle = self._handle()
        try:
            board: SweepLeaderboard = await handle.execute_update(
                bert_names.STOP_SWEEP_UPDATE, request, result_type=SweepLeaderboard
            )
            return board
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            message = getattr(cause, "message", None) or str(cause or error)
            raise SweepStopRejectedError(
                f"sweep {self.sweep_id} refused to stop: {message}"
            ) from None
        except RPCError as error:
            if "already completed" in error.message:
                raise SweepStopRejectedError(
                    f"sweep {self.sweep_id} has already finished; fetch its result with "
                    f"`bert sweep-status {self.sweep_id}`"
                ) from None
            raise translate_temporal_error(error, self.sweep_id, self.client.address) from error
