"""Real services the tests start on loopback: an OpenID provider, a DNS server."""
