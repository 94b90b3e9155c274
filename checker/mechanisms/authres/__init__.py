"""Authentication-Results headers (RFC 8601): ``parse`` reads one, ``trust`` says which ones to believe."""
