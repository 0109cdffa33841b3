#!/usr/bin/python3
"""The catsd API from python3-grpcio (Debian's): every RPC against fake_catsd.

Stubs are generated at test time with protoc and grpc_python_plugin (both from
Debian's protobuf-compiler / protobuf-compiler-grpc; grpc_tools is not needed).
"""
import argparse
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--fake", required=True)
ap.add_argument("--repo", required=True)
ap.add_argument("--protoc", default="protoc")
ap.add_argument("--plugin", required=True)
args = ap.parse_args()

tmp = tempfile.mkdtemp()
subprocess.run([args.protoc, f"--proto_path={args.repo}", f"--python_out={tmp}", f"--grpc_out={tmp}",
                f"--plugin=protoc-gen-grpc={args.plugin}", os.path.join(args.repo, "proto/catsd.proto")], check=True)
sys.path.insert(0, tmp)

import grpc  # noqa: E402
from proto import catsd_pb2 as pb  # noqa: E402
from proto import catsd_pb2_grpc as rpc  # noqa: E402

fake = subprocess.Popen([args.fake], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
try:
    port = int(fake.stdout.readline().split()[1])
    stub = rpc.CatsdStub(grpc.insecure_channel(f"127.0.0.1:{port}"))

    n = stub.ShowNeighbors(pb.ShowNeighborsRequest(), timeout=5)
    assert [x.address for x in n.neighbors] == ["192.0.2.1", "2001:db8::2"], n
    assert n.neighbors[0].HasField("last_error") and not n.neighbors[1].HasField("last_error")

    rib = stub.ShowRib(pb.ShowRibRequest(best_only=True), timeout=5)
    path = rib.entries[0].paths[0]
    assert len(rib.entries[0].paths) == 1 and path.best
    assert path.HasField("med") and path.med == 0 and not path.HasField("local_pref")
    assert path.cats.HasField("l2") and path.cats.l2 == 7

    try:
        stub.ShowRib(pb.ShowRibRequest(prefix="198.51.100.0/24"), timeout=5)
        raise AssertionError("expected NOT_FOUND")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e
        assert e.details() == "no route for 198.51.100.0/24", e.details()

    s = stub.ShowServices(pb.ShowServicesRequest(), timeout=5)
    assert s.originated[0].name == "llm" and s.services[0].candidates[0].selected

    c = stub.ClearNeighbor(pb.ClearNeighborRequest(address="all", mode=pb.ClearNeighborRequest.SOFT_OUT), timeout=5)
    assert c.cleared == 3

    # Watch first, then make a change with InjectMetrics: the change arrives on the stream.
    watch = stub.WatchRib(pb.WatchRibRequest(), timeout=10)
    assert dict(watch.initial_metadata()).get("catsd-watch") == "subscribed"
    r = stub.InjectMetrics(pb.InjectMetricsRequest(service="llm", l2=33, drain=False), timeout=5)
    assert r.sequence == 1 and r.paths_readvertised == 1, r
    change = next(watch)
    assert change.kind == "best-changed" and change.best.cats.l2 == 33, change
    watch.cancel()

    reports = [pb.MetricReport(service="llm", l2=10), pb.MetricReport(service="llm", l2=101),
               pb.MetricReport(service="vision", l1=[pb.L1Score(category="compute", score=4)])]
    reply = stub.PushMetrics(iter(reports), timeout=5)
    assert (reply.accepted, reply.rejected, reply.last_error) == (2, 1, "llm: l2 above 100"), reply
    print("python smoke: all RPCs ok")
finally:
    fake.stdin.close()
    fake.wait(timeout=10)
