"""Workshop formats: the built-in ones (columns, phases, defaults as data) and those saved by facilitators."""
