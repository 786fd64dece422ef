"""People's sign-in: password hashing, session and lockout policy (pure where possible)."""
