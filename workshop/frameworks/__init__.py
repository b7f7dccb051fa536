"""Frameworks (dispositifs): the one controlled list that practices, links, filters, facets and charts read."""
