"""The moderation tests reuse the practice (people, sheets) and map (structures, links) fixtures."""

from tests.mapping.conftest import make_link, make_structure  # noqa: F401
from tests.practices.conftest import make_practice, people  # noqa: F401
