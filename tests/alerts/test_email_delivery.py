"""Mail through the outbox to a real SMTP server (aiosmtpd on loopback), parsed with `email`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from alerts.channels.email import EmailChannel
from alerts.delivery import Outbox, deliver_due
from alerts.outbox import list_deliveries
from alerts.settings import EmailChannelSettings
from tests.alerts.conftest import T0, add_alert
from tests.alerts.smtp_server import LoopbackController, MailHandler, start_smtp

MailServer = tuple[MailHandler, LoopbackController]


def mailer(port: int, **extra: object) -> EmailChannel:
    settings = EmailChannelSettings.model_validate(
        {
            "name": "oversight-mail",
            "type": "email",
            "host": "127.0.0.1",
            "port": port,
            "starttls": False,
            "from": "budgetwatch@example.org",
            "to": ["budget-office@example.org", "audit@example.org"],
            **extra,
        }
    )
    return EmailChannel(settings, timeout=5)


def statuses(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [row.status for row in list_deliveries(session)]


def test_a_digest_mail_has_both_parts_escaped_figures_and_links(
    factory: sessionmaker[Session], mail: MailServer, outbox: Outbox
) -> None:
    handler, controller = mail
    add_alert(factory, ["oversight-mail"])
    add_alert(
        factory,
        ["oversight-mail"],
        department="固安县财政局",
        severity="critical",
        message="固安县财政局2021年预算总额较上年增加50%",
        figures={"current": "30000000.00", "previous": "20000000.00"},
        evidence=[{"source": "javascript:alert(1)", "page": 2}],
    )
    [report] = deliver_due(factory, [mailer(controller.port)], outbox, T0)
    assert report.sent == 2
    [received] = handler.wait_for(1)
    assert received.recipients == ["budget-office@example.org", "audit@example.org"]
    message = received.message
    assert message["Subject"] == "[budgetwatch] 2 条预算预警（最高级别：严重）"
    assert message["To"] == "budget-office@example.org, audit@example.org"
    assert (
        message["X-Budgetwatch-Id"]
        and message["Message-ID"] == f"<{message['X-Budgetwatch-Id']}@budgetwatch>"
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "中共固安县委组织部" in body and "固安县财政局" in body
        assert "107,700" in body and "86,700" in body  # this year, last year
        assert "增加 21,000（+24.2%）" in body  # year-on-year
        assert "30,000,000" in body and "增加 10,000,000（+50.0%）" in body
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="http://www.guan.gov.cn/yusuan/2021/zzb.pdf">' in html
    assert 'href="javascript:' not in html  # a scraped javascript: URL is shown, never linked
    assert html.count("<table") == 2  # one table per department
    assert statuses(factory) == ["sent", "sent"]
    assert (
        deliver_due(factory, [mailer(controller.port)], outbox, T0 + timedelta(hours=1))[0].sent
        == 0
    )


def test_line_breaks_in_scraped_strings_never_reach_a_header(
    factory: sessionmaker[Session], mail: MailServer, outbox: Outbox
) -> None:
    handler, controller = mail
    add_alert(
        factory, ["oversight-mail"], message="预算增加\r\nBcc: victim@example.com\r\n\r\n<b>x</b>"
    )
    assert deliver_due(factory, [mailer(controller.port)], outbox, T0)[0].sent == 1
    [received] = handler.wait_for(1)
    assert received.message["Bcc"] is None
    assert received.recipients == ["budget-office@example.org", "audit@example.org"]
    assert "\n" not in received.message["Subject"] and "Bcc: victim" in received.message["Subject"]


def test_critical_alerts_can_go_alone_and_digests_can_be_off(
    factory: sessionmaker[Session], mail: MailServer, outbox: Outbox
) -> None:
    handler, controller = mail
    add_alert(factory, ["oversight-mail"])
    add_alert(
        factory, ["oversight-mail"], department="财政局", severity="critical", message="严重问题"
    )
    add_alert(factory, ["oversight-mail"], department="教育局", message="另一个警告")
    assert (
        deliver_due(factory, [mailer(controller.port, critical_alone=True)], outbox, T0)[0].sent
        == 3
    )
    subjects = sorted(m.message["Subject"] for m in handler.wait_for(2))
    assert subjects == [
        "[budgetwatch] 2 条预算预警（最高级别：警告）",
        "[budgetwatch][严重] 严重问题",
    ]


def test_smtp_down_at_first_is_delivered_on_a_later_run(
    factory: sessionmaker[Session], outbox: Outbox
) -> None:
    handler = MailHandler()
    controller = start_smtp(handler)
    port = controller.port
    controller.stop()  # the server is down: connections are refused
    add_alert(factory, ["oversight-mail"])
    report = deliver_due(factory, [mailer(port)], outbox, T0)[0]
    assert report.retrying == 1 and "ConnectionRefused" in report.errors[0]
    assert statuses(factory) == ["pending"]
    controller = start_smtp(handler, port)
    try:
        assert deliver_due(factory, [mailer(port)], outbox, T0 + timedelta(hours=1))[0].sent == 1
        assert len(handler.wait_for(1)) == 1
    finally:
        controller.stop()
    assert statuses(factory) == ["sent"]


def test_smtp_4xx_retries_and_5xx_fails(
    factory: sessionmaker[Session], mail: MailServer, outbox: Outbox
) -> None:
    handler, controller = mail
    add_alert(factory, ["oversight-mail"])
    handler.replies.extend(["451 4.3.0 try again later", "554 5.7.1 rejected as spam"])
    first = deliver_due(factory, [mailer(controller.port)], outbox, T0)[0]
    assert first.retrying == 1 and "451" in first.errors[0]
    second = deliver_due(factory, [mailer(controller.port)], outbox, T0 + timedelta(hours=1))[0]
    assert second.failed == 1 and "554" in second.errors[0]
    assert statuses(factory) == ["failed"]
    assert handler.mails == []
