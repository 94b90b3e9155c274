"""One folder or module per mechanism a receiver checks: SPF, DKIM, DMARC, ARC, Authentication-Results,
List-Unsubscribe.

Each parses and verifies one standard over an injected resolver. Mechanisms may use one another (ARC
verifies DKIM-style signatures) and what ``checker.pasted`` reads, never an analysis or a front end.
"""
