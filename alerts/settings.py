"""The ``alerts:`` section of the configuration: delivery policy and the channels.

Declared here, beside the code that uses it, and mounted into the one
Settings model in ``budgetwatch/config.py``.  Secrets are ``SecretStr``: they
print as ``**********`` in reprs, errors and ``config check``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
CHANNEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class AlertsSection(BaseModel):
    """Base of the alerts config sections: unknown keys are errors, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ChannelFilters(AlertsSection):
    """What every channel shares: its name and which alerts it wants."""

    name: str = Field(
        pattern=CHANNEL_NAME, description="the channel's name in deliveries and commands"
    )
    min_severity: Severity = Field(
        "info", description="alerts below this severity are not sent here"
    )
    regions: list[str] = Field(
        default_factory=list, description="only alerts of these regions (all if empty)"
    )
    rules: list[str] = Field(
        default_factory=list, description="only alerts of these rules (all if empty)"
    )


def _no_line_breaks(value: str) -> str:
    """Refuse CR/LF in anything that becomes a mail header."""
    if "\r" in value or "\n" in value:
        raise ValueError("must not contain line breaks")
    return value


class EmailChannelSettings(ChannelFilters):
    """A mailbox (or list) reached over SMTP."""

    type: Literal["email"]
    host: str = Field(description="SMTP server")
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = Field(True, description="upgrade the connection with STARTTLS")
    ssl: bool = Field(False, description="SMTP over TLS from the start (port 465)")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from", description="the From address")
    to: list[str] = Field(min_length=1, description="recipients")
    digest: bool = Field(True, description="one mail per run with all due alerts")
    critical_alone: bool = Field(
        False, description="critical alerts also go out in a mail of their own"
    )

    @field_validator("sender", "host")
    @classmethod
    def _single_line(cls, value: str) -> str:
        return _no_line_breaks(value)

    @field_validator("to")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if "@" not in _no_line_breaks(value):
                raise ValueError(f"not a mail address: {value!r}")
        return values

    @model_validator(mode="after")
    def _one_tls_mode(self) -> EmailChannelSettings:
        if self.ssl and self.starttls:
            raise ValueError("choose ssl (implicit TLS) or starttls, not both")
        return self


class WebhookChannelSettings(ChannelFilters):
    """An HTTP endpoint: our signed JSON, or a 企业微信 / 钉钉 / 飞书 group robot."""

    type: Literal["webhook"]
    # Robot URLs carry their access token in the path or query, so the URL is a secret too.
    url: SecretStr = Field(description="http(s) URL of the receiver or robot")
    secret: SecretStr | None = Field(
        None, description="HMAC key (json), 加签 secret (dingtalk/feishu)"
    )
    format: Literal["json", "wecom", "dingtalk", "feishu"] = "json"

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: SecretStr) -> SecretStr:
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value


ChannelSettings = Annotated[
    EmailChannelSettings | WebhookChannelSettings, Field(discriminator="type")
]


class AlertsSettings(AlertsSection):
    """How alerts are delivered, and where."""

    allow_private_targets: bool = Field(
        False,
        description="let webhooks reach loopback/private/link-local addresses (tests, intranets)",
    )
    channels: list[ChannelSettings] = Field(
        default_factory=list,
        description="email and webhook channels: name, type, filters (regions, rules, min_severity)",
    )
    retry_hours: float = Field(
        48.0,
        gt=0,
        description="a delivery still failing this long after it was queued fails for good",
    )
    backoff_seconds: float = Field(
        60.0, gt=0, description="first retry delay; doubles per attempt, with jitter"
    )
    backoff_max_seconds: float = Field(
        3600.0, gt=0, description="longest delay between two attempts"
    )
    timeout_seconds: float = Field(
        15.0, gt=0, description="limit for one HTTP request or SMTP conversation"
    )
    lease_seconds: float = Field(
        300.0, gt=0, description="a claimed delivery whose sender died is retried after this"
    )
    batch_size: int = Field(200, ge=1, description="deliveries claimed per channel and run")

    @field_validator("channels")
    @classmethod
    def _unique_names(cls, channels: list[ChannelSettings]) -> list[ChannelSettings]:
        names = [channel.name for channel in channels]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"channel names must be unique: {', '.join(repeated)}")
        return channels

    def channel(self, name: str) -> EmailChannelSettings | WebhookChannelSettings | None:
        """The channel called ``name``, if configured."""
        return next((channel for channel in self.channels if channel.name == name), None)
