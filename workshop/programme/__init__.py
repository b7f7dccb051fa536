"""The programme: the networks' plan over a period (aims, cities, working time, meetings, budget) and its
indicators, computed from the data."""
