"""labkit: what the Python labs share (tests/integration/catsd_lab.py, interop/lab/lab.py, bench/ingest/run.py,
bench/fib/).

    check     Failure, check(), wait_for()
    proc      run(), Proc (own process group, stopped by PID), Procs, signal handling, /proc readers
    netns     Netns (namespaces, veth pairs, bridges), Host (where daemons run), Lan (hosts on one bridge)
    daemon    Daemon: the base of the peer classes (directory, config file, process)
    catsd     Catsd: JSON config, start/stop, catsctl queries; config builders
    frr, bird, gobgp, exabgp, openbgpd
              one class per peer daemon: config file, start, CLI queries, version; config snippets (FRR: bgpd
              alone or with a zebra of its own that programs its namespace's kernel; Vty: a daemon's vty socket)
    bgp       path attributes of a raw BGP UPDATE

Standard library only: the labs run under Debian's /usr/bin/python3.
"""
