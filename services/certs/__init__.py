"""The certs service."""
