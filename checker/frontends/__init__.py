"""The front ends on top of everything: the command line (``cli``, and ``catalog_source``, which finds
its error catalog) and the browser worker's entry points (``browser``). Only these name command-line
options or page fields.
"""
