import pytest


@pytest.fixture(scope="module", autouse=True)
def _isolated_module(request):
    """Each integration module here starts from empty topics and an idle cluster."""
    if request.node.get_closest_marker("integration"):
        request.getfixturevalue("fresh_topics")
