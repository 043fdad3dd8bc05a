#!/usr/bin/env python3
"""netem's job in user space, for a kernel built without sch_netem (CONFIG_NET_SCH_NETEM unset).

iptables sends the namespace's UDP to NFQUEUE; this reads the queue through libnetfilter_queue
(ctypes, no build step) and gives each media packet (RTP/RTCP, RFC 7983 first byte 128..191) a
verdict late: after DELAY +/- JITTER ms (uniform), so packets overtake each other (reordering)
as with netem's jitter, or drops it with probability LOSS. STUN and DTLS pass at once: the issue
is about media, and connection setup stays bounded.

Prints one JSON line per event on stdout: {"event":"ready"} when the queue is bound,
{"event":"drop",...} per dropped RTP packet (wall ms, payload type, SSRC, sequence number, RTP
timestamp: SRTP leaves the RTP header in clear), and {"event":"summary",...} on SIGTERM/SIGINT.
Exits 2 with {"event":"error","message":...} when something it needs is missing.

usage: impairer.py --queue N --delay-ms 30 --jitter-ms 30 --loss 0.05 --seed 1
"""
import argparse
import ctypes
import ctypes.util
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NF_DROP, NF_ACCEPT = 0, 1
NFQNL_COPY_PACKET = 2


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fail(message):
    emit({"event": "error", "message": message})
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=30.0)
    ap.add_argument("--jitter-ms", type=float, default=30.0)
    ap.add_argument("--loss", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    name = ctypes.util.find_library("netfilter_queue") or "libnetfilter_queue.so.1"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as error:
        fail(f"libnetfilter_queue not loadable ({error}): apt-get install -y libnetfilter-queue1")

    CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    lib.nfq_open.restype = ctypes.c_void_p
    lib.nfq_create_queue.restype = ctypes.c_void_p
    lib.nfq_create_queue.argtypes = [ctypes.c_void_p, ctypes.c_uint16, CB, ctypes.c_void_p]
    lib.nfq_set_mode.argtypes = [ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32]
    lib.nfq_fd.argtypes = [ctypes.c_void_p]
    lib.nfq_handle_packet.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.nfq_get_msg_packet_hdr.restype = ctypes.c_void_p
    lib.nfq_get_msg_packet_hdr.argtypes = [ctypes.c_void_p]
    lib.nfq_get_payload.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.nfq_set_verdict.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p]
    lib.nfq_destroy_queue.argtypes = [ctypes.c_void_p]
    lib.nfq_close.argtypes = [ctypes.c_void_p]

    handle = lib.nfq_open()
    if not handle:
        fail(f"nfq_open failed (errno {ctypes.get_errno()}): kernel without CONFIG_NETFILTER_NETLINK_QUEUE, or not root")

    stats = {"seen": 0, "media": 0, "passed": 0, "dropped": 0, "delayed": 0, "reordered": 0,
             "other": 0, "maxHeld": 0, "delaySumMs": 0.0}
    held = []  # heap of (release time, arrival index, packet id)
    arrivals = [0]
    released_max = [-1]

    @CB
    def on_packet(qh, _nfmsg, nfad, _data):
        header = lib.nfq_get_msg_packet_hdr(nfad)
        packet_id = socket.ntohl(ctypes.cast(header, ctypes.POINTER(ctypes.c_uint32))[0])
        pointer = ctypes.c_void_p()
        length = lib.nfq_get_payload(nfad, ctypes.byref(pointer))
        data = ctypes.string_at(pointer, length) if length > 0 else b""
        stats["seen"] += 1
        media = None
        if len(data) >= 20 and (data[0] >> 4) == 4:
            ihl = (data[0] & 0x0F) * 4
            udp = data[ihl + 8:]
            if len(udp) >= 12 and 128 <= udp[0] <= 191:
                media = udp
        if media is None:
            stats["other"] += 1
            lib.nfq_set_verdict(qh, packet_id, NF_ACCEPT, 0, None)
            return 0
        stats["media"] += 1
        now = time.time()
        if rng.random() < args.loss:
            stats["dropped"] += 1
            pt = media[1] & 0x7F
            if not 192 <= media[1] <= 223:  # RTP, not RTCP: log what a receiver will miss
                seq, ts, ssrc = struct.unpack("!HII", media[2:12])
                emit({"event": "drop", "at": now * 1000, "pt": pt, "ssrc": ssrc, "seq": seq, "ts": ts})
            else:
                emit({"event": "drop", "at": now * 1000, "rtcp": media[1]})
            lib.nfq_set_verdict(qh, packet_id, NF_DROP, 0, None)
            return 0
        delay = max(0.0, args.delay_ms + rng.uniform(-args.jitter_ms, args.jitter_ms))
        stats["delayed"] += 1
        stats["delaySumMs"] += delay
        heapq.heappush(held, (now + delay / 1000.0, arrivals[0], packet_id))
        arrivals[0] += 1
        stats["maxHeld"] = max(stats["maxHeld"], len(held))
        return 0

    queue = lib.nfq_create_queue(handle, args.queue, on_packet, None)
    if not queue:
        fail(f"nfq_create_queue({args.queue}) failed (errno {ctypes.get_errno()}): queue taken, or no NFQUEUE support")
    if lib.nfq_set_mode(queue, NFQNL_COPY_PACKET, 0xFFFF) < 0:
        fail("nfq_set_mode failed")
    fd = lib.nfq_fd(handle)
    # A deep socket buffer: media bursts (a keyframe is dozens of packets) must not overflow it.
    sock = socket.socket(fileno=os.dup(fd))
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
    except OSError:
        pass

    running = [True]

    def stop(_signum, _frame):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emit({"event": "ready", "queue": args.queue, "delayMs": args.delay_ms, "jitterMs": args.jitter_ms,
          "loss": args.loss, "seed": args.seed})
    while running[0]:
        now = time.time()
        while held and held[0][0] <= now:
            _, index, packet_id = heapq.heappop(held)
            if index < released_max[0]:
                stats["reordered"] += 1
            released_max[0] = max(released_max[0], index)
            stats["passed"] += 1
            lib.nfq_set_verdict(queue, packet_id, NF_ACCEPT, 0, None)
        timeout = max(0.0, held[0][0] - time.time()) if held else 0.2
        try:
            readable, _, _ = select.select([fd], [], [], timeout)
        except InterruptedError:
            continue
        if readable:
            try:
                message = os.read(fd, 1 << 17)
            except BlockingIOError:
                continue
            except OSError:
                # ENOBUFS: the kernel dropped queue messages; count and carry on.
                stats["overruns"] = stats.get("overruns", 0) + 1
                continue
            lib.nfq_handle_packet(handle, message, len(message))
    for _, _, packet_id in held:
        lib.nfq_set_verdict(queue, packet_id, NF_ACCEPT, 0, None)
        stats["passed"] += 1
    stats["meanDelayMs"] = stats["delaySumMs"] / stats["delayed"] if stats["delayed"] else 0.0
    del stats["delaySumMs"]
    emit({"event": "summary", **stats})
    lib.nfq_destroy_queue(queue)
    lib.nfq_close(handle)


if __name__ == "__main__":
    main()
