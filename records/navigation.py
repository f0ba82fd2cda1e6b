"""Records in the page shell: the client's own records, the manager's import and erasures."""

from clinic import roles
from clinic.navigation import NavItem

NAV_ITEMS = [
    NavItem("My records", "records:my_export", role=roles.Role.CLIENT, order=86),
    NavItem("Moving in", "records:import_csv", capability=roles.Capability.MANAGE_CLINIC, order=91),
    NavItem("Erasure requests", "records:erasures", capability=roles.Capability.MANAGE_CLINIC, order=92),
]
