"""Operations tooling: set-up, local servers, stack runner, load and security validation."""
