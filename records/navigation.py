"""Records in the page shell: the client's own records, the manager's import and erasures."""

from clinic.navigation import NavItem

# The header has room for one row at 1366 px: a client reaches their records from their home page,
# a manager reaches the import and the erasure requests from the clinic profile page.
NAV_ITEMS: list[NavItem] = []
