"""The Received chain: ``hop`` reads one header, ``entry`` finds where the message came in, ``chain``
orders the hops and measures the delays.
"""
