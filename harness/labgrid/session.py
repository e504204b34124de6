"""proplet-hil's session with a labgrid coordinator, run with the Python that has labgrid.

The harness (harness/labgrid/client.ts) starts this script and speaks JSON lines with it:
requests on stdin, answers and events on stdout. It uses labgrid's own client API
(labgrid.remote.client.ClientSession, the object labgrid-client itself drives) for one
long-lived gRPC session, so a run reserves, acquires, powers and releases a place without a
Python start per step.

Its other job is the dead man's switch: when stdin closes (the harness ended, crashed or was
killed, even with SIGKILL) it releases what it acquired and cancels its reservation. It runs in
its own process group, so a Ctrl-C on the terminal reaches the harness, not this script.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time

from labgrid.remote.client import Error as LabgridError, start_session
from labgrid.remote.common import Reservation, ReservationState
from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

import grpc

# Resource classes `labgrid-client power` knows how to drive (ClientSession.power).
POWER_CLASSES = (
    "NetworkPowerPort",
    "NetworkUSBPowerPort",
    "NetworkSiSPMPowerPort",
    "PDUDaemonPort",
    "TasmotaPowerPort",
    "NetworkYKUSHPowerPort",
    "NetworkSysfsGPIO",
)

class Quiet:
    """A stream whose reader may be gone: once the harness has died, its pipes are closed, and a
    print from labgrid must not stop this process from letting go of the place."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self):
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


# labgrid prints progress ("acquired place …") on stdout; answers need a channel of their own.
PROTOCOL = Quiet(os.fdopen(os.dup(1), "w", buffering=1))
os.dup2(2, 1)
sys.stdout = sys.stderr = Quiet(sys.stderr)


def emit(message):
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


class Failure(Exception):
    """An expected failure: one line, and a kind the harness maps to its own errors."""

    def __init__(self, kind, message, **details):
        super().__init__(message)
        self.kind = kind
        self.details = details


def matches(place, filters):
    """The coordinator's scheduler rule: every filter tag present on the place ("name" is its name)."""
    tags = dict(place.tags)
    tags["name"] = place.name
    return all(tags.get(k) == v for k, v in filters.items())


class Session:
    def __init__(self, session, reservation_poll_s):
        self.session = session
        self.stub = session.stub
        self.poll_s = reservation_poll_s
        self.acquired = set()
        self.tokens = set()

    # --- what the coordinator knows ---------------------------------------------------------

    def place_info(self, place, owners):
        resources = []
        for exporter, groups in sorted(self.session.resources.items()):
            for group_name, group in sorted(groups.items()):
                for resource_name, entry in sorted(group.items()):
                    path = (exporter, group_name, entry.cls, resource_name)
                    if place.getmatch(path) is None:
                        continue
                    resources.append(
                        {"path": "/".join(path), "cls": entry.cls, "avail": entry.avail, "params": entry.args}
                    )
        reserved_by = owners.get(place.reservation) if place.reservation else None
        return {
            "name": place.name,
            "aliases": sorted(place.aliases),
            "tags": dict(place.tags),
            "comment": place.comment,
            "acquired": place.acquired,
            "reservedBy": reserved_by,
            "reservation": place.reservation,
            "changed": place.changed,
            "resources": resources,
        }

    async def owners(self):
        try:
            response = await self.stub.GetReservations(pb2.GetReservationsRequest())
        except grpc.aio.AioRpcError as e:
            raise Failure("coordinator", f"coordinator refused to list reservations: {e.details()}")
        return {r.token: r.owner for r in (Reservation.from_pb2(x) for x in response.reservations)}

    async def places(self, filters=None):
        await self.session.sync_with_coordinator()
        owners = await self.owners()
        return [
            self.place_info(p, owners)
            for _, p in sorted(self.session.places.items())
            if filters is None or matches(p, filters)
        ]

    # --- reservation, bounded ---------------------------------------------------------------

    async def reserve(self, filters, wait_ms, progress_ms):
        candidates = await self.places(filters)
        if not candidates:
            raise Failure("unknown-place", f"no place matches {describe(filters)}")
        request = pb2.CreateReservationRequest(
            filters={"main": pb2.Reservation.Filter(filter=filters)}, prio=0.0
        )
        try:
            response = await self.stub.CreateReservation(request)
        except grpc.aio.AioRpcError as e:
            raise Failure("coordinator", f"reservation for {describe(filters)} refused: {e.details()}")
        res = Reservation.from_pb2(response.reservation)
        self.tokens.add(res.token)
        started = time.monotonic()
        # The first progress line comes at once: a person sees who holds the place before waiting.
        last_progress = None
        while True:
            try:
                response = await self.stub.PollReservation(pb2.PollReservationRequest(token=res.token))
            except grpc.aio.AioRpcError as e:
                raise Failure("coordinator", f"reservation {res.token} lost: {e.details()}")
            res = Reservation.from_pb2(response.reservation)
            if res.state in (ReservationState.allocated, ReservationState.acquired):
                [place] = res.allocations["main"]
                return {"token": res.token, "place": place}
            if res.state is not ReservationState.waiting:
                await self.cancel(res.token)
                raise Failure("coordinator", f"reservation {res.token} became {res.state.name}")
            now = time.monotonic()
            waited_ms = int((now - started) * 1000)
            if waited_ms >= wait_ms:
                holders = holders_of(await self.places(filters))
                await self.cancel(res.token)
                raise Failure(
                    "timeout",
                    f"no place matching {describe(filters)} became free within {wait_ms // 1000} s",
                    holders=holders,
                )
            if last_progress is None or (now - last_progress) * 1000 >= progress_ms:
                last_progress = now
                emit({"event": "waiting", "filters": filters, "waitedMs": waited_ms, "waitMs": wait_ms,
                      "holders": holders_of(await self.places(filters))})
            await asyncio.sleep(self.poll_s)

    async def cancel(self, token):
        self.tokens.discard(token)
        try:
            await self.stub.CancelReservation(pb2.CancelReservationRequest(token=token))
        except grpc.aio.AioRpcError:
            pass  # already expired: nothing left to cancel

    # --- the place itself -------------------------------------------------------------------

    def use_args(self, **values):
        """ClientSession's methods read labgrid-client's parsed options from session.args."""
        self.session.args = argparse.Namespace(allow_unmatched=False, kick=False, **values)

    async def acquire(self, name):
        self.use_args(place=name)
        try:
            await self.session._acquire_place(name)
        except LabgridError as e:
            raise Failure("acquire", f"acquire {name}: {' '.join(str(a) for a in e.args)}")
        self.acquired.add(name)
        return {"place": name}

    async def release(self, name):
        self.acquired.discard(name)
        self.use_args(place=name)
        try:
            await self.session._release_place(name)
        except LabgridError as e:
            raise Failure("release", f"release {name}: {' '.join(str(a) for a in e.args)}")
        return {"place": name}

    async def release_from(self, name, holder):
        """Releases a place only if `holder` still holds it: a stale run's, taken back safely."""
        request = pb2.ReleasePlaceRequest(placename=name, fromuser=holder)
        try:
            await self.stub.ReleasePlace(request)
            await self.session.sync_with_coordinator()
        except grpc.aio.AioRpcError as e:
            raise Failure("release", f"release {name} from {holder}: {e.details()}")
        return {"place": name}

    async def resolve(self, name, timeout_ms):
        """The acquired place's serial port and power resource. An exporter starts ser2net for a
        serial port only once the port is acquired, so its TCP port may arrive a moment later."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            await self.session.sync_with_coordinator()
            place = self.session.get_place(name)
            try:
                resources = self.session.get_target_resources(place)
            except LabgridError as e:
                raise Failure("resolve", f"{name}: {' '.join(str(a) for a in e.args)}")
            serial = [(n, r) for (n, cls), r in resources.items() if cls == "NetworkSerialPort"]
            power = [(n, r) for (n, cls), r in resources.items() if cls in POWER_CLASSES]
            if not serial:
                raise Failure("resolve", f"place {name} has no NetworkSerialPort (it matches: "
                              f"{', '.join(sorted(cls for _, cls in resources)) or 'nothing'})")
            if len(serial) > 1:
                raise Failure("resolve", f"place {name} has {len(serial)} serial ports "
                              f"({', '.join(n for n, _ in serial)}); give it one")
            serial_name, port = serial[0]
            args = port.args
            if port.avail and args.get("port"):
                return {
                    "serial": {"name": serial_name, "host": args["host"], "port": args["port"],
                               "speed": args.get("speed", 115200), "protocol": args.get("protocol", "rfc2217")},
                    "power": [{"name": n, "cls": r.cls, "params": r.args} for n, r in power],
                }
            if time.monotonic() > deadline:
                raise Failure("resolve", f"the serial port of {name} was not served within {timeout_ms // 1000} s "
                              f"(avail={port.avail}, port={args.get('port')})")
            await asyncio.sleep(0.2)

    async def power(self, name, action, resource, delay_s):
        """labgrid's own power path (what `labgrid-client power` runs): the driver for the place's
        power resource, e.g. NetworkPowerDriver for a NetworkPowerPort."""
        self.use_args(place=name, action=action, delay=delay_s, name=resource)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.session.power)
        except LabgridError as e:
            raise Failure("power", f"power {action} {name}: {' '.join(str(a) for a in e.args)}")
        except Exception as e:  # a driver's own failure (HTTP error, command failed)
            raise Failure("power", f"power {action} {name}: {type(e).__name__}: {e}")
        return {"place": name, "action": action}

    async def let_go(self):
        """Everything this session holds, released: the dead man's switch and the orderly end."""
        for name in list(self.acquired):
            try:
                await self.release(name)
            except Exception as e:  # pylint: disable=broad-except
                print(f"hil labgrid session: {e}", file=sys.stderr)
        for token in list(self.tokens):
            try:
                await self.cancel(token)
            except Exception as e:  # pylint: disable=broad-except
                print(f"hil labgrid session: cancel {token}: {e}", file=sys.stderr)


def describe(filters):
    if list(filters) == ["name"]:
        return f"place {filters['name']}"
    return " ".join(f"{k}={v}" for k, v in sorted(filters.items()))


def holders_of(places):
    return [
        {"place": p["name"], "holder": p["acquired"] or p["reservedBy"],
         "how": "acquired" if p["acquired"] else "reserved", "since": p["changed"]}
        for p in places
        if p["acquired"] or p["reservedBy"]
    ]


async def serve(lg, stop):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    ops = {
        "places": lambda r: lg.places(r.get("filters")),
        "reserve": lambda r: lg.reserve(r["filters"], r["waitMs"], r.get("progressMs", 5000)),
        "cancel": lambda r: lg.cancel(r["token"]),
        "acquire": lambda r: lg.acquire(r["place"]),
        "release": lambda r: lg.release(r["place"]),
        "releaseFrom": lambda r: lg.release_from(r["place"], r["holder"]),
        "resolve": lambda r: lg.resolve(r["place"], r.get("timeoutMs", 10000)),
        "power": lambda r: lg.power(r["place"], r["action"], r.get("resource"), r.get("delayS")),
    }
    pending = set()

    async def answer(request):
        rid = request.get("id")
        try:
            op = ops.get(request.get("op"))
            if op is None:
                raise Failure("usage", f"unknown op {request.get('op')!r}")
            emit({"id": rid, "ok": True, "result": await op(request)})
        except Failure as e:
            emit({"id": rid, "ok": False, "kind": e.kind, "error": str(e), **e.details})
        except Exception as e:  # pylint: disable=broad-except
            emit({"id": rid, "ok": False, "kind": "internal", "error": f"{type(e).__name__}: {e}"})

    stopped = loop.create_task(stop.wait())
    while True:
        reading = loop.create_task(reader.readline())
        await asyncio.wait((reading, stopped), return_when=asyncio.FIRST_COMPLETED)
        if stopped.done():
            reading.cancel()
            break
        line = reading.result()
        if not line:
            break  # the harness is gone: let go of everything
        if lg.session.stopping.is_set():
            emit({"event": "lost", "error": "the coordinator connection was lost"})
        task = loop.create_task(answer(json.loads(line)))
        pending.add(task)
        task.add_done_callback(pending.discard)
    for task in pending:
        task.cancel()
    await lg.let_go()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("coordinator", help="HOST:PORT of the labgrid coordinator")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between reservation polls")
    args = parser.parse_args()
    # Ctrl-C goes to the harness; this process ends when its stdin closes. SIGTERM (an orderly
    # stop of this process alone) still lets go first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        session = start_session(args.coordinator, loop=loop)
    except LabgridError as e:
        emit({"event": "failed", "kind": "unreachable", "error": f"coordinator {args.coordinator}: {e}"})
        return 1
    lg = Session(session, args.poll)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    emit({"event": "ready", "name": f"{session.gethostname()}/{session.getuser()}"})
    try:
        loop.run_until_complete(serve(lg, stop))
    finally:
        loop.run_until_complete(session.stop())
        loop.run_until_complete(session.close())
    return 0


if __name__ == "__main__":
    sys.exit(main())
