"""The local stack: every component of the platform as a real process on 127.0.0.1, no Docker, no cloud."""
