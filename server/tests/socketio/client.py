"""A socket.io client for the server's tests: python-socketio (the reference venv's), as the web UI connects.

    python client.py URL [--token T] [--join T] [--transports websocket] [--count N] [--timeout S]

Connects to URL (path /ws/socket.io) with `auth={token}` when given, emits `user-join {auth:{token}}`
with an acknowledgement when --join is given, then prints one JSON line per thing that happens:
{"kind":"connected","sid":...}, {"kind":"ack","data":...}, {"kind":"event","event":...,"data":...},
{"kind":"disconnected"}, {"kind":"done"}, after N events or S seconds. Reads stdin: a line "emit EVENT JSON"
emits an event, "call EVENT JSON" emits it and prints its acknowledgement ({"kind":"ack",...}), "quit" ends.
"""

import argparse
import asyncio
import json
import sys

import socketio


def out(**kw):
    print(json.dumps(kw), flush=True)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--token")
    p.add_argument("--join")
    p.add_argument("--transports", default="websocket")
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--timeout", type=float, default=20)
    a = p.parse_args()

    sio = socketio.AsyncClient(reconnection=False)
    events = 0
    finished = asyncio.Event()

    @sio.on("*")
    async def any_event(event, data=None):
        nonlocal events
        out(kind="event", event=event, data=data)
        events += 1
        if a.count and events >= a.count:
            finished.set()

    @sio.event
    async def disconnect(*_):
        out(kind="disconnected")
        finished.set()

    await sio.connect(
        a.url,
        socketio_path="/ws/socket.io",
        transports=a.transports.split(","),
        auth={"token": a.token} if a.token else None,
        wait_timeout=10,
    )
    out(kind="connected", sid=sio.get_sid())
    if a.join:
        try:
            ack = await sio.call("user-join", {"auth": {"token": a.join}}, timeout=3)
            out(kind="ack", data=ack)
        except socketio.exceptions.TimeoutError:
            out(kind="no-ack")

    async def commands():
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                finished.set()
                return
            verb, _, rest = line.strip().partition(" ")
            if verb == "emit":
                event, _, payload = rest.partition(" ")
                await sio.emit(event, json.loads(payload) if payload else None)
                out(kind="emitted", event=event)
            elif verb == "call":
                event, _, payload = rest.partition(" ")
                try:
                    ack = await sio.call(event, json.loads(payload) if payload else None, timeout=5)
                    out(kind="ack", event=event, data=ack)
                except socketio.exceptions.TimeoutError:
                    out(kind="no-ack", event=event)

    reader = asyncio.create_task(commands())
    try:
        await asyncio.wait_for(finished.wait(), a.timeout)
    except asyncio.TimeoutError:
        pass
    reader.cancel()
    out(kind="done", events=events)
    if sio.connected:
        await sio.disconnect()


asyncio.run(main())
