"""records' message kinds, registered with clinic's registry in ``RecordsConfig.ready()``."""

from clinic.message_kinds import message_kind_register

ACCOUNT_INVITATION = "account_invitation"


def messages_register() -> None:
    from .invitations import invitation_content

    message_kind_register(
        ACCOUNT_INVITATION, "Invitation to set a password (imported client)", builders=[invitation_content]
    )
