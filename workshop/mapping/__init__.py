"""Cartography: schools, social centres and the links between them (map, graph, panorama, imports)."""
