"""The gateway: the only public entry. Authentication, rate limits, brute-force guard, circuit breakers."""
