"""The analyses a reader asks for: a message's headers, a domain, an IP address, and the sender rules.

They only sequence mechanisms and say what the results mean; front-end wording arrives through
``advice.FrontEndAdvice``. Nothing here imports ``checker.frontends``.
"""
