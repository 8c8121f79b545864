"""Mail over SMTP: multipart text + HTML, a digest per run or one mail per alert."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from alerts.channels import one_each
from alerts.failures import PermanentDeliveryError, RetryableDeliveryError
from alerts.notice import AlertNotice, Batch
from alerts.rendering import one_line, render, subject
from alerts.routing import wants
from alerts.settings import EmailChannelSettings
from alerts.signing import ID_HEADER


class EmailChannel:
    """Sends alerts to the configured recipients through one SMTP server."""

    def __init__(self, settings: EmailChannelSettings, *, timeout: float) -> None:
        self.settings = settings
        self.name = settings.name
        self.timeout = timeout

    def wants(self, alert: AlertNotice) -> bool:
        """Whether this channel's filters let ``alert`` through."""
        return wants(self.settings, alert)

    def batches(self, alerts: list[AlertNotice]) -> list[list[AlertNotice]]:
        """A digest of everything due, critical alerts apart if so configured."""
        if not self.settings.digest:
            return one_each(alerts)
        alone = [a for a in alerts if self.settings.critical_alone and a.severity == "critical"]
        rest = [a for a in alerts if a not in alone]
        return one_each(alone) + ([rest] if rest else [])

    def message(self, batch: Batch) -> EmailMessage:
        """The mail for ``batch``: headers one line each, a text and an HTML part."""
        mail = EmailMessage()
        mail["From"] = one_line(self.settings.sender)
        mail["To"] = ", ".join(one_line(address) for address in self.settings.to)
        mail["Subject"] = subject(batch)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        # The same key on every retry lets a mail server or reader drop a repeat.
        mail["Message-ID"] = f"<{batch.key}@budgetwatch>"
        mail[ID_HEADER] = batch.key
        mail.set_content(render("mail.txt.j2", batch, channel=self.name))
        mail.add_alternative(render("mail.html.j2", batch, channel=self.name), subtype="html")
        return mail

    def _connect(self) -> smtplib.SMTP:
        """An SMTP session, encrypted and logged in as configured."""
        settings = self.settings
        context = ssl.create_default_context()
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
        try:
            if settings.starttls:
                smtp.starttls(context=context)
            if settings.username and settings.password is not None:
                smtp.login(settings.username, settings.password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, batch: Batch) -> None:
        """Hand the mail to the SMTP server; 4xx and network trouble retry, 5xx fail."""
        mail = self.message(batch)
        where = f"smtp://{self.settings.host}:{self.settings.port}"
        try:
            with self._connect() as smtp:
                smtp.send_message(mail, from_addr=self.settings.sender, to_addrs=self.settings.to)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise _by_code(f"{where}: recipients refused {codes}", max(codes)) from error
        except smtplib.SMTPResponseException as error:
            text = (
                error.smtp_error.decode("utf-8", "replace")
                if isinstance(error.smtp_error, bytes)
                else str(error.smtp_error)
            )
            raise _by_code(
                f"{where}: {error.smtp_code} {one_line(text)}", error.smtp_code
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentDeliveryError(f"{where}: {error}") from error
        except (OSError, smtplib.SMTPException) as error:
            reason = (
                "timed out"
                if isinstance(error, TimeoutError)
                else f"{type(error).__name__}: {error}"
            )
            raise RetryableDeliveryError(f"{where}: {one_line(reason)}") from error

    def secrets(self) -> list[str]:
        """The SMTP password."""
        password = self.settings.password
        return [password.get_secret_value()] if password is not None else []


def _by_code(message: str, code: int) -> RetryableDeliveryError | PermanentDeliveryError:
    """SMTP 4xx may pass (greylisting, a full queue); 5xx will not."""
    if 400 <= code < 500:
        return RetryableDeliveryError(message)
    return PermanentDeliveryError(message)
