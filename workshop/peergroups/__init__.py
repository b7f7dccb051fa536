"""Peer groups ("groupes de pairs"): standing groups that meet across workshops and carry their next steps."""
