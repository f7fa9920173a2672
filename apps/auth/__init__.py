"""The auth app: registration, login, logout (token revocation), profile, JWKS."""
