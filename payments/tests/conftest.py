"""Fixtures for payments: the aftercare fixtures (an appointment in treatment for a cleared
client, a valid session record) and the people at the desk."""

import uuid

import pytest

from aftercare.tests.conftest import _private_storage, record_input, session_setup  # noqa: F401
from clinic.tests.factories import FrontDeskFactory


@pytest.fixture
def desk(db):
    return FrontDeskFactory()


@pytest.fixture
def key():
    """A fresh form key (what the desk's form carries in a hidden field)."""
    return lambda: uuid.uuid4().hex
