"""The board-event kernel: every live change to a board goes through it, whatever domain declares it.

It knows boards only through the Host that create_app gives it (boards' models and rules), and domains' actions
only through their command declarations (`commands.command`). It owns the per-board lock, the sequence, the
role/lock/phase checks, the append-only event log, the one commit (or the rollback), the broadcast of each event
through its visibility policy, the acknowledgement, presence and the /board namespace.
"""
