"""Request and response bodies of sign-in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.auth.passwords import MAX_PASSWORD_CHARS


class CredentialsIn(BaseModel):
    """Username and password; OAuth2 password-grant extras (grant_type, scope) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class TokenOut(BaseModel):
    """A new session: send ``Authorization: Bearer <access_token>`` with each request."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime = Field(description="absolute expiry, whatever the use")
    idle_timeout_s: int = Field(description="the session also ends after this long unused")


class AccountOut(BaseModel):
    """Who is signed in."""

    account_id: uuid.UUID
    username: str
    role: str
    teams: list[str]
