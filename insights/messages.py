"""insights' one message kind: the managers' weekly summary (its words are all in its row)."""

from clinic.message_kinds import message_kind_register

WEEKLY_SUMMARY = "insights_weekly_summary"


def messages_register() -> None:
    message_kind_register(WEEKLY_SUMMARY, "Weekly summary (to managers)", context_only=True)
