"""What a person pastes, read into data: a message's headers, its Received chain, a bounce.

Reading only: no DNS and no verdict on authentication. Imports ``checker.shared`` and nothing above it.
"""
